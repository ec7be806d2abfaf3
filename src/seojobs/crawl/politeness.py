"""Politeness: pacing per host (Crawl-delay, Retry-After), progress and stop decisions."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from email.utils import parsedate_to_datetime

#: Retry-After values above this many seconds are capped.
RETRY_AFTER_CAP_S = 30.0
#: Retry-After used when a 429/503 names no usable value.
RETRY_AFTER_DEFAULT_S = 1.0


def parse_retry_after(value: str | None, now_epoch: float) -> float | None:
    """Return the wait in seconds a Retry-After header asks for (delta-seconds or HTTP-date)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now_epoch)


def retry_wait(value: str | None, now_epoch: float, cap_s: float = RETRY_AFTER_CAP_S) -> float:
    """Return how long to wait before retrying a 429/503: Retry-After, defaulted and capped."""
    wait = parse_retry_after(value, now_epoch)
    return min(cap_s, RETRY_AFTER_DEFAULT_S if wait is None else wait)


def effective_delay(crawl_delay: float | None, cap_s: float) -> float:
    """Return the pause between two requests to a host: robots Crawl-delay, capped."""
    if crawl_delay is None or crawl_delay <= 0:
        return 0.0
    return min(crawl_delay, cap_s)


def progress_percent(done: int, discovered: int, max_pages: int, finished: bool) -> tuple[int, int]:
    """Return (pages_total, percent): of max_pages or the frontier, never over 99 until the end."""
    total = max(done, min(max_pages, max(discovered, 1)))
    if finished:
        return total, 100
    return total, min(99, done * 100 // total)


def error_threshold_passed(errors: int, done: int, threshold: float, min_pages: int) -> bool:
    """Tell whether the share of failed pages passed the threshold after min_pages pages."""
    return done >= min_pages and errors / done > threshold


class HostPacer:
    """Paces the requests to one host: the Crawl-delay between them, and Retry-After pauses.

    With a delay, one request runs at a time and the next starts delay_s after the previous one
    ended (Yandex's reading of Crawl-delay). Spacing only the starts is not enough: a fetch takes
    a varying time to reach the host (a fresh browser tab adds a few hundred ms), so two requests
    could arrive closer together than the site asked for.
    """

    def __init__(self, delay_s: float) -> None:
        """Keep delay_s seconds between two requests (0: no spacing, only pauses)."""
        self.delay_s = delay_s
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def _wait(self) -> None:
        # A loop, as a pause may push the next start further while we sleep.
        while (wait := self._next - time.monotonic()) > 0:
            await asyncio.sleep(wait)

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait until a request may start; with a delay, hold the host until it ends."""
        if self.delay_s <= 0:
            await self._wait()
            yield
            return
        async with self._lock:
            await self._wait()
            try:
                yield
            finally:
                self._next = max(self._next, time.monotonic() + self.delay_s)

    async def wait_turn(self) -> None:
        """Wait for the turn of a request that ends at once."""
        async with self.turn():
            pass

    def pause(self, seconds: float) -> None:
        """Hold every request to the host for seconds from now (Retry-After)."""
        self._next = max(self._next, time.monotonic() + seconds)
