"""Handlers built from the registry: each spec with a ``handler`` factory, for its service."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import Protocol, cast

from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.domain.job_spec import JobRegistry, JobSpec
from seojobs.domain.jobs import JobType, Service
from seojobs.ports.worker import Handler
from seojobs.settings import Settings

#: Releases what a handler holds (an HTTP client) when the worker stops.
Closer = Callable[[], Awaitable[None]]
#: What a spec's ``handler`` names: ``async def build(settings, engine) -> Handler``.
HandlerBuilder = Callable[[Settings, AsyncEngine], Awaitable[Handler]]


class _Closable(Protocol):
    async def aclose(self) -> None: ...


def load_builder(spec: JobSpec) -> HandlerBuilder:
    """Import the builder a spec names (``package.module:function``)."""
    if spec.handler is None:
        raise ValueError(f"{spec.job_type.value} declares no handler factory")
    module, _, name = spec.handler.partition(":")
    return cast(HandlerBuilder, getattr(importlib.import_module(module), name))


async def declared_handlers(
    registry: JobRegistry, service: Service, settings: Settings, engine: AsyncEngine, wired: set[JobType]
) -> tuple[dict[JobType, Handler], list[Closer]]:
    """Build the handlers of the service's specs that name a factory and are not wired by hand."""
    handlers: dict[JobType, Handler] = {}
    closers: list[Closer] = []
    for spec in registry.of_service(service):
        if spec.handler is None or spec.job_type in wired:
            continue
        handler = await load_builder(spec)(settings, engine)
        handlers[spec.job_type] = handler
        if hasattr(handler, "aclose"):
            closers.append(cast(_Closable, handler).aclose)
    return handlers, closers
