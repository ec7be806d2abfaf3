"""One crawl from start to report: robots, sitemaps, the worker loop and the rules."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from seojobs.crawl.checkpoint import CheckpointClock, CrawlState
from seojobs.crawl.fetching import FetchResult, PageFetcher, TextFetcher
from seojobs.crawl.frontier import Frontier, QueuedUrl
from seojobs.crawl.outcomes import to_outcomes
from seojobs.crawl.page_extras import PageExtras
from seojobs.crawl.politeness import (
    HostPacer,
    effective_delay,
    error_threshold_passed,
    progress_percent,
    retry_wait,
)
from seojobs.crawl.records import (
    CrawlOptions,
    CrawlProgress,
    CrawlReport,
    IssueRecord,
    PageRecord,
    StoppedReason,
)
from seojobs.crawl.robots import RobotsPolicy
from seojobs.crawl.sitemap import MAX_SITEMAPS, parse_sitemap
from seojobs.crawl.tls import TLS_UNTRUSTED
from seojobs.crawl.urls import SiteScope, normalize_url
from seojobs.domain.errors import PermanentError, RetryableError
from seojobs.domain.seo import RULES, SiteFacts, UrlOutcome, analyze_site

#: Redirects followed for robots.txt (RFC 9309 asks for at least five).
ROBOTS_MAX_REDIRECTS = 5
#: Attempts at a URL that answers 429/503 (the first one included).
RETRY_ATTEMPTS = 3
_RETRY_STATUSES = frozenset({429, 503})

OnPage = Callable[[CrawlProgress], Awaitable[None]]
#: Saves a crawl's state (see checkpoint.py).
OnCheckpoint = Callable[[CrawlState], Awaitable[None]]


@dataclass(frozen=True)
class _Unmeasured:
    """A fetched page whose measurement may still run: what a checkpoint takes back if so."""

    #: The queue entry that fetched it (queued again).
    item: QueuedUrl
    #: The outcome keys the fetch recorded (the requested URL, and its redirect target if new).
    keys: tuple[str, ...]
    #: Whether the fetch counted as an error.
    error: bool


class CrawlRun:
    """The state of one crawl; build, then await run() once."""

    def __init__(
        self,
        base_url: str,
        options: CrawlOptions,
        pages: PageFetcher,
        texts: TextFetcher,
        on_page: OnPage,
        *,
        resume: CrawlState | None = None,
        on_checkpoint: OnCheckpoint | None = None,
        checkpoints: CheckpointClock | None = None,
    ) -> None:
        """Crawl the site at base_url (already checked by the guard), from ``resume`` if given,
        saving the state with ``on_checkpoint`` as ``checkpoints`` says."""
        self.base_url = base_url
        self.options = options
        self._pages = pages
        self._texts = texts
        self._on_page = on_page
        self.scope = SiteScope.for_base(base_url)
        self.frontier = Frontier(self.scope)
        self._base_key = normalize_url(base_url) or base_url
        self.outcomes: dict[str, UrlOutcome] = {}
        self.disallowed: set[str] = set()
        self.sitemap_urls: list[str] = []
        self._reserved = 0
        self._in_flight = 0
        self._errors = 0
        self._last_percent = 0
        self._stop: StoppedReason | None = None
        self._wake = asyncio.Event()
        self._progress_lock = asyncio.Lock()
        self.robots = RobotsPolicy.from_response("", 404, "")
        self._pacer = HostPacer(0.0)
        self._resume = resume
        self._on_checkpoint = on_checkpoint
        self._checkpoints = checkpoints or CheckpointClock(pages=resume.pages if resume else 0)
        self._fetching: dict[str, QueuedUrl] = {}
        # Pages whose browser measurement still runs, by measurement key: a checkpoint saves them
        # as not fetched yet (see _Unmeasured), so a resumed crawl measures them again.
        self._unmeasured: dict[str, _Unmeasured] = {}
        # Late browser measurements and http-mode sub-resource checks, off the crawl's path.
        self._extras = PageExtras(
            texts if options.render == "http" else None, options.page_timeout_s, lambda: self.outcomes
        )

    async def run(self) -> CrawlReport:
        """Crawl and judge; JobCancelled from on_page propagates, a job timeout stops early."""
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.options.job_timeout_s):
                await self._prepare()
                await self._crawl()
                await self._extras.finish()
        except TimeoutError:
            self._stop = "job_timeout"
        finally:
            await self._extras.cancel()
        reason: StoppedReason = self._stop or "completed"
        report = self._report(reason, int((time.monotonic() - started) * 1000))
        total, _ = progress_percent(
            len(self.outcomes), self.frontier.discovered, self.options.max_pages, finished=True
        )
        await self._on_page(CrawlProgress(len(self.outcomes), total, 100, self.base_url))
        return report

    async def _prepare(self) -> None:
        origin = self.base_url.split("/", 3)
        robots_url = "/".join(origin[:3]) + "/robots.txt"
        answer = await self._texts.get_text(robots_url, self.options.page_timeout_s, ROBOTS_MAX_REDIRECTS)
        error = answer.error or ""
        if answer.status is None and error.startswith(TLS_UNTRUSTED):
            # The certificate will not change between retries: fail now, and say why.
            raise PermanentError(f"site unreachable: {error}", url=robots_url)
        if answer.status is None and not error.startswith("blocked"):
            raise RetryableError(f"site unreachable: {error}", url=robots_url)
        self.robots = RobotsPolicy.from_response(
            robots_url, answer.status, answer.body.decode("utf-8", errors="replace")
        )
        ua = self.options.user_agent
        self._pacer = HostPacer(effective_delay(self.robots.crawl_delay(ua), self.options.crawl_delay_cap_s))
        self._extras.pacer = self._pacer
        if self._resume is not None:
            self._restore(self._resume)
            return
        self.frontier.add(self.base_url)
        await self._read_sitemaps("/".join(origin[:3]) + "/sitemap.xml")
        for url in self.sitemap_urls:
            self.frontier.add(url)

    def _restore(self, state: CrawlState) -> None:
        self.outcomes = {o.url: o for o in state.outcomes}
        self.frontier.restore(state.queue, state.seen)
        self.disallowed = set(state.disallowed)
        self.sitemap_urls = list(state.sitemap_urls)
        self._errors = state.errors
        self._last_percent = state.last_percent
        self._extras.restore(state.resource_status)
        self._reserved = len(self.outcomes)

    def snapshot(self) -> CrawlState:
        """The crawl's state now. Pages in flight, and pages whose measurement has not ended, go
        first in the queue: a resumed crawl fetches them again, so its result is that of an
        uninterrupted one."""
        queue, seen = self.frontier.snapshot()
        measuring = self._extras.measuring()
        redo = [u for key, u in self._unmeasured.items() if key in measuring]
        dropped = {key for u in redo for key in u.keys}
        unseen = {key for u in redo for key in u.keys if key != u.item.key}
        return CrawlState(
            tuple(o for key, o in self.outcomes.items() if key not in dropped),
            (*self._fetching.values(), *(u.item for u in redo), *queue),
            tuple(key for key in seen if key not in unseen),
            tuple(sorted(self.disallowed)),
            tuple(self.sitemap_urls),
            self._errors - sum(u.error for u in redo),
            self._last_percent,
            tuple(self._extras.resource_status.items()),
        )

    async def _read_sitemaps(self, default: str) -> None:
        queue = list(dict.fromkeys([*self.robots.sitemaps(), default]))
        done: set[str] = set()
        while queue and len(done) < MAX_SITEMAPS:
            url = queue.pop(0)
            key = normalize_url(url)
            if key is None or key in done or not self.scope.is_internal(key):
                continue
            done.add(key)
            answer = await self._texts.get_text(url, self.options.page_timeout_s, 5)
            if answer.status != 200:
                continue
            sitemap = parse_sitemap(answer.body)
            queue += sitemap.children
            for loc in sitemap.urls:
                loc_key = normalize_url(loc)
                if loc_key is not None and self.scope.is_internal(loc_key):
                    self.sitemap_urls.append(loc_key)

    async def _crawl(self) -> None:
        workers = [asyncio.ensure_future(self._worker()) for _ in range(self.options.per_host_concurrency)]
        try:
            finished, _ = await asyncio.wait(workers, return_when=asyncio.FIRST_EXCEPTION)
            for task in finished:
                task.result()
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    async def _next(self) -> QueuedUrl | None:
        while self._stop is None:
            item = self.frontier.pop()
            if item is not None:
                if not self.robots.can_fetch(item.fetch_url, self.options.user_agent):
                    self.disallowed.add(item.key)
                    continue
                if self._reserved >= self.options.max_pages:
                    self._stop = "max_pages"
                    self._wake.set()
                    return None
                return item
            if self._in_flight == 0:
                return None
            self._wake.clear()
            await self._wake.wait()
        return None

    async def _worker(self) -> None:
        while (item := await self._next()) is not None:
            self._reserved += 1
            self._in_flight += 1
            self._fetching[item.key] = item
            try:
                result = await self._fetch(item)
                url = self._record(item, result)
            finally:
                self._fetching.pop(item.key, None)
                self._in_flight -= 1
                self._wake.set()
            await self._progress(url)

    async def _fetch(self, item: QueuedUrl) -> FetchResult:
        for _ in range(RETRY_ATTEMPTS):
            async with self._pacer.turn():
                result = await self._pages.fetch(item.fetch_url, self.options.page_timeout_s)
            if result.status not in _RETRY_STATUSES:
                return result
            self._pacer.pause(retry_wait(result.headers.get("retry-after"), time.time()))
        return result

    def _record(self, item: QueuedUrl, result: FetchResult) -> str:
        if item.key == self._base_key and not result.answered and not result.blocked:
            raise RetryableError(f"base URL unreachable: {result.error}", url=item.fetch_url)
        mapped = to_outcomes(item.key, result, self.scope)
        self.outcomes[item.key] = mapped.requested
        keys = [item.key]
        final = mapped.final
        if final is not None and self._reserved < self.options.max_pages and self.frontier.claim(final.url):
            self._reserved += 1
            self.outcomes[final.url] = final
            keys.append(final.url)
        error = not result.answered or (result.status or 0) >= 500 or result.status == 429
        self._errors += error
        facts = final.facts if final is not None else mapped.requested.facts
        measure_key = final.url if final is not None else item.key
        if result.settle is not None:
            self._unmeasured[measure_key] = _Unmeasured(item, tuple(keys), error)
        self._extras.observe(measure_key, result, facts)
        if facts is not None:
            for link in facts.links:
                if link.url is not None and link.internal:
                    self.frontier.add(link.url)
            for target in (*facts.canonical_targets, *(h.target for h in facts.hreflangs)):
                if target is not None:
                    self.frontier.add(target)
        return item.key

    async def _progress(self, url: str) -> None:
        async with self._progress_lock:
            done = len(self.outcomes)
            total, percent = progress_percent(
                done, self.frontier.discovered, self.options.max_pages, finished=False
            )
            # The frontier grows as pages are read; a progress bar must not move backwards.
            percent = self._last_percent = max(self._last_percent, percent)
            await self._on_page(CrawlProgress(done, total, percent, url))
            if self._on_checkpoint is not None and self._checkpoints.due(done):
                await self._on_checkpoint(self.snapshot())
                self._checkpoints.saved(done)
            if self._stop is None and error_threshold_passed(
                self._errors, done, self.options.error_threshold, self.options.error_min_pages
            ):
                self._stop = "error_threshold"
                self._wake.set()

    def _report(self, reason: StoppedReason, duration_ms: int) -> CrawlReport:
        site = SiteFacts(
            base_url=self._base_key,
            outcomes=self.outcomes,
            robots=self.robots.facts(),
            robots_disallowed=frozenset(self.disallowed),
            resource_status=self._extras.resource_status,
            sitemap_urls=tuple(self.sitemap_urls),
            complete=reason == "completed",
        )
        findings = analyze_site(site, self.options.thresholds)
        issues = tuple(IssueRecord(f.url, f.rule, RULES[f.rule][0], f.evidence) for f in findings)
        pages = tuple(
            PageRecord(
                url=o.url,
                status=o.status,
                redirect_target=o.redirects[0] if o.redirects else None,
                ttfb_ms=o.facts.ttfb_ms if o.facts else None,
                bytes=o.facts.bytes if o.facts else 0,
                title=o.facts.title if o.facts else None,
                words=o.facts.words if o.facts else 0,
            )
            for o in self.outcomes.values()
        )
        return CrawlReport(self.base_url, pages, issues, reason, duration_ms)
