"""What every command shares: the settings, an event loop, a console, friendly errors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db.engine import make_engine
from seojobs.domain.errors import SeojobsError
from seojobs.settings import Settings

T = TypeVar("T")
console = Console()


def settings() -> Settings:
    """The settings of this invocation (read from the environment once, here)."""
    return Settings()


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine; turn our errors into a one-line message and exit code 1."""
    try:
        return asyncio.run(coro)
    except SeojobsError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from exc


async def with_engine(cfg: Settings, body: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """Run ``body`` with a database engine that is disposed afterwards."""
    engine = make_engine(cfg.database_url, pool_size=2)
    try:
        return await body(engine)
    finally:
        await engine.dispose()
