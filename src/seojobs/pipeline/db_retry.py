"""Repeat a database step while the database is unreachable (a restart, a failover).

The steps given here are whole transactions that are safe to repeat; the consumers that use it
commit their offsets only after the step succeeded, so nothing is lost while they wait.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import InterfaceError, OperationalError

T = TypeVar("T")

#: First and longest pause between attempts, seconds.
FIRST_BACKOFF_S, MAX_BACKOFF_S = 0.2, 5.0


async def until_done(step: Callable[[], Awaitable[T]], log: logging.Logger, what: str) -> T:
    """``step()``'s result, calling it again (with growing pauses) while the database is away."""
    backoff = FIRST_BACKOFF_S
    while True:
        try:
            return await step()
        except (OperationalError, InterfaceError) as exc:
            log.warning("database unavailable, will retry %s: %s", what, exc)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_S)
