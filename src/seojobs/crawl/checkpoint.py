"""A crawl's resumable state: pages done, the frontier, what robots.txt barred, and when to save it.

A crawl whose worker died starts again as a new attempt; with a checkpoint it goes on from the last
save instead of from the first page, so it repeats at most one checkpoint's worth of fetches. The
state is plain data, saved as JSON (pydantic validates it back into the crawl's own records; a
checkpoint written by another version that no longer fits is ignored and the crawl starts over).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from seojobs.crawl.frontier import QueuedUrl
from seojobs.domain.seo import UrlOutcome

#: A crawl saves its state at least every this many pages...
DEFAULT_CHECKPOINT_PAGES = 10
#: ... or this many seconds, whichever comes first.
DEFAULT_CHECKPOINT_EVERY_S = 5.0


@dataclass(frozen=True)
class CrawlState:
    """Everything a crawl needs to go on where it stopped (the robots.txt is fetched again)."""

    outcomes: tuple[UrlOutcome, ...]
    #: URLs to fetch, in order: those in flight at the save first, then the frontier's queue.
    queue: tuple[QueuedUrl, ...]
    #: Every URL key ever queued or claimed (so nothing is queued twice).
    seen: tuple[str, ...]
    disallowed: tuple[str, ...]
    sitemap_urls: tuple[str, ...]
    errors: int
    last_percent: int
    #: The status of each same-host sub-resource checked so far (None: no answer).
    resource_status: tuple[tuple[str, int | None], ...] = ()

    @property
    def pages(self) -> int:
        """Pages done at the save."""
        return len(self.outcomes)


_ADAPTER: TypeAdapter[CrawlState] = TypeAdapter(CrawlState)


def dump_state(state: CrawlState) -> dict[str, Any]:
    """The JSON-ready form of a state."""
    data: dict[str, Any] = _ADAPTER.dump_python(state, mode="json")
    return data


def load_state(data: Any) -> CrawlState | None:
    """The state saved as ``data``, or None when it does not fit this version's records."""
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError:
        return None


class CheckpointClock:
    """Says when a crawl is due a save: ``every_pages`` pages or ``every_s`` seconds since the last."""

    def __init__(
        self,
        every_pages: int = DEFAULT_CHECKPOINT_PAGES,
        every_s: float = DEFAULT_CHECKPOINT_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
        pages: int = 0,
    ) -> None:
        self.every_pages = every_pages
        self.every_s = every_s
        self._clock = clock
        self._pages = pages
        self._at = clock()

    def due(self, pages: int) -> bool:
        """Whether a save is due with ``pages`` done."""
        return pages - self._pages >= self.every_pages or (
            pages > self._pages and self._clock() - self._at >= self.every_s
        )

    def saved(self, pages: int) -> None:
        """A save with ``pages`` done was made."""
        self._pages = pages
        self._at = self._clock()
