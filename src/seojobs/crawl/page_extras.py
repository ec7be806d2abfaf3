"""What a page needs after its fetch, off the crawl's path: the end of its browser measurement
(3 s after load) and, in http mode, the status of its same-host sub-resources."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from seojobs.crawl.fetching import FetchResult, TextFetcher
from seojobs.crawl.politeness import HostPacer
from seojobs.domain.seo.facts import PageFacts, UrlOutcome
from seojobs.domain.seo.render_facts import Experience

#: Sub-resource checks in flight at once in http mode (beside the page fetches).
RESOURCE_CONCURRENCY = 2
#: Redirects a sub-resource check follows.
RESOURCE_MAX_REDIRECTS = 5


class PageExtras:
    """Collects the late facts of one crawl's pages and the status of their sub-resources."""

    def __init__(
        self,
        checker: TextFetcher | None,
        timeout_s: float,
        outcomes: Callable[[], dict[str, UrlOutcome]] = dict,
    ) -> None:
        """Check sub-resources with checker (None: the browser reports its own requests); a
        measurement that ends goes at once into the outcome it belongs to in outcomes()."""
        self._checker = checker
        self._outcomes = outcomes
        self._timeout_s = timeout_s
        self.pacer = HostPacer(0.0)
        self.resource_status: dict[str, int | None] = {}
        self._asked: set[str] = set()
        self._limit = asyncio.Semaphore(RESOURCE_CONCURRENCY)
        self._checks: list[asyncio.Future[None]] = []
        self._late: list[tuple[str, asyncio.Future[Experience]]] = []

    def observe(self, key: str, result: FetchResult, facts: PageFacts | None) -> None:
        """Take what the fetch of the page stored under key brought; start what comes later."""
        for url, status in result.resource_statuses:
            self.resource_status.setdefault(url, status)
        if result.settle is not None:
            task = asyncio.ensure_future(result.settle())
            task.add_done_callback(lambda done: self._apply(key, done))
            self._late.append((key, task))
        if self._checker is None or facts is None:
            return
        for url in facts.subresources:
            if url not in self._asked:
                self._asked.add(url)
                self._checks.append(asyncio.ensure_future(self._check(url)))

    async def _check(self, url: str) -> None:
        assert self._checker is not None
        async with self._limit, self.pacer.turn():
            answer = await self._checker.get_status(url, self._timeout_s, RESOURCE_MAX_REDIRECTS)
        if answer.error is None or not answer.error.startswith("blocked"):
            self.resource_status[url] = answer.status

    def _apply(self, key: str, task: asyncio.Future[Experience]) -> None:
        # At once, so that a checkpoint saved from now on carries the measurement.
        outcomes = self._outcomes()
        outcome = outcomes.get(key)
        if outcome is None or outcome.facts is None or task.cancelled() or task.exception():
            return
        outcomes[key] = replace(outcome, facts=replace(outcome.facts, experience=task.result()))

    def measuring(self) -> set[str]:
        """The keys whose browser measurement has not ended yet."""
        return {key for key, task in self._late if not task.done()}

    def restore(self, statuses: Iterable[tuple[str, int | None]]) -> None:
        """Take the statuses a checkpoint saved: those resources are not checked again."""
        for url, status in statuses:
            self.resource_status.setdefault(url, status)
            self._asked.add(url)

    async def finish(self) -> None:
        """Wait for every measurement (each lands in its outcome) and every check."""
        await asyncio.gather(*self._checks, *(task for _, task in self._late), return_exceptions=True)

    async def cancel(self) -> None:
        """Stop what still runs (the crawl ended early)."""
        pending: list[asyncio.Future[Any]] = [*self._checks]
        pending += [task for _, task in self._late]
        for task in pending:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*pending, return_exceptions=True)
