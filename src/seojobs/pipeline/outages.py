"""Waiting out outages of the database or the broker: growing pauses, and a step repeated until done.

The steps repeated here are whole transactions that are safe to repeat; the consumers that use it
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


class Backoff:
    """Pauses between attempts: ``first_s``, then doubled each time up to ``max_s``."""

    def __init__(self, first_s: float = FIRST_BACKOFF_S, max_s: float = MAX_BACKOFF_S) -> None:
        self.first_s = first_s
        self.max_s = max_s
        self.next_s = first_s

    async def sleep(self) -> None:
        """Wait the current pause and lengthen the next one."""
        await asyncio.sleep(self.next_s)
        self.next_s = min(self.next_s * 2, self.max_s)

    def reset(self) -> None:
        """Start again from the first pause (after a success)."""
        self.next_s = self.first_s


async def until_done(step: Callable[[], Awaitable[T]], log: logging.Logger, what: str) -> T:
    """``step()``'s result, calling it again (with growing pauses) while the database is away."""
    backoff = Backoff()
    while True:
        try:
            return await step()
        except (OperationalError, InterfaceError) as exc:
            log.warning("database unavailable, will retry %s: %s", what, exc)
            await backoff.sleep()
