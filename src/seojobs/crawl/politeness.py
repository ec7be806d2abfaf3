"""Politeness: pacing per host (Crawl-delay, Retry-After), progress and stop decisions."""

from __future__ import annotations

import asyncio
import time
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
    """Spaces request starts to one host by a fixed delay and honours Retry-After pauses."""

    def __init__(self, delay_s: float) -> None:
        """Space requests delay_s seconds apart (0 disables spacing)."""
        self.delay_s = delay_s
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait_turn(self) -> None:
        """Sleep until this request may start."""
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.delay_s
        if start > now:
            await asyncio.sleep(start - now)

    def pause(self, seconds: float) -> None:
        """Hold every request to the host for seconds from now (Retry-After)."""
        self._next = max(self._next, time.monotonic() + seconds)
