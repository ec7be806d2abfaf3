"""Breadth-first frontier of one site: each URL key is queued at most once."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from seojobs.crawl.urls import SiteScope, fetchable_url, normalize_url


@dataclass(frozen=True)
class QueuedUrl:
    """A URL waiting to be fetched: its key and the form to fetch it by."""

    key: str
    fetch_url: str


class Frontier:
    """FIFO of the site's own URLs (breadth-first), deduplicated by normalised key."""

    def __init__(self, scope: SiteScope) -> None:
        """Start empty for the site described by scope."""
        self._scope = scope
        self._queue: deque[QueuedUrl] = deque()
        self._seen: set[str] = set()

    def add(self, url: str) -> bool:
        """Queue url if it is internal, http(s) and new; return whether it was queued."""
        key = normalize_url(url)
        fetch = fetchable_url(url)
        if key is None or fetch is None or not self._scope.is_internal(key):
            return False
        if key in self._seen:
            return False
        self._seen.add(key)
        self._queue.append(QueuedUrl(key, fetch))
        return True

    def claim(self, key: str) -> bool:
        """Mark a key as seen without queueing it (learnt by a redirect); False if known."""
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def restore(self, queue: tuple[QueuedUrl, ...], seen: tuple[str, ...]) -> None:
        """Go on from a checkpoint: this queue, these keys seen."""
        self._queue = deque(queue)
        self._seen = set(seen)

    def snapshot(self) -> tuple[tuple[QueuedUrl, ...], tuple[str, ...]]:
        """The queue and the keys seen, for a checkpoint."""
        return tuple(self._queue), tuple(sorted(self._seen))

    def pop(self) -> QueuedUrl | None:
        """Return the oldest queued URL, or None when the queue is empty."""
        return self._queue.popleft() if self._queue else None

    def __len__(self) -> int:
        """Return how many URLs wait in the queue."""
        return len(self._queue)

    @property
    def discovered(self) -> int:
        """How many distinct URLs were ever queued or claimed."""
        return len(self._seen)
