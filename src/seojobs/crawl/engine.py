"""The crawl engine's entry point: one Crawler per process, owning Chromium and an HTTP client."""

from __future__ import annotations

import asyncio

import httpx

from seojobs.adapters.browser.pool import CHROMIUM_PATH, BrowserPool
from seojobs.adapters.http_fetch import HttpSession, new_http_client
from seojobs.crawl.checkpoint import CheckpointClock, CrawlState
from seojobs.crawl.fetching import PageFetcher
from seojobs.crawl.records import (
    CrawlOptions,
    CrawlProgress,
    CrawlReport,
    IssueRecord,
    PageRecord,
    crawl_result,
)
from seojobs.crawl.run import CrawlRun, OnCheckpoint, OnPage
from seojobs.crawl.ssrf import AddressPolicy, Resolver, guard_for, system_resolve
from seojobs.crawl.tls import TlsPolicy
from seojobs.crawl.urls import fetchable_url
from seojobs.domain.errors import PermanentError
from seojobs.domain.seo.thresholds import RuleThresholds

__all__ = [
    "CrawlOptions",
    "CrawlProgress",
    "CrawlReport",
    "Crawler",
    "IssueRecord",
    "PageRecord",
    "RuleThresholds",
    "crawl_result",
]


class Crawler:
    """Crawls sites; start() once per process (or let crawl() start lazily), close() at exit."""

    def __init__(
        self, *, chromium_path: str = CHROMIUM_PATH, proxy_port: int = 0, resolver: Resolver = system_resolve
    ) -> None:
        """Use the Chromium at chromium_path; each crawl's SSRF proxy binds proxy_port (0: any)."""
        self._pool = BrowserPool(chromium_path, proxy_port)
        self._client = new_http_client()
        # Made on the first crawl that lists tls_insecure_hosts (tests and the demo only).
        self._insecure_client: httpx.AsyncClient | None = None
        self._resolver = resolver
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Launch Chromium now rather than at the first browser crawl."""
        async with self._lock:
            await self._pool.start()

    async def close(self) -> None:
        """Close Chromium and the HTTP client."""
        await self._pool.close()
        await self._client.aclose()
        if self._insecure_client is not None:
            await self._insecure_client.aclose()

    async def crawl(
        self,
        base_url: str,
        options: CrawlOptions,
        on_page: OnPage,
        *,
        resume: CrawlState | None = None,
        on_checkpoint: OnCheckpoint | None = None,
        checkpoints: CheckpointClock | None = None,
    ) -> CrawlReport:
        """Crawl the site at base_url (going on from ``resume``, saving with ``on_checkpoint``);
        PermanentError if unsafe, RetryableError if unreachable."""
        fetch_url = fetchable_url(base_url)
        if fetch_url is None:
            raise PermanentError(f"not an absolute http(s) URL: {base_url!r}", url=base_url)
        guard = await guard_for(
            fetch_url, AddressPolicy.from_allowed(options.allowed_private), self._resolver, shown=base_url
        )
        tls = TlsPolicy.from_entries(options.tls_insecure_hosts)
        if tls.enabled and self._insecure_client is None:
            self._insecure_client = new_http_client(verify=False)
        insecure = self._insecure_client if tls.enabled else None
        http = HttpSession(self._client, guard, options.user_agent, insecure, tls)
        pages: PageFetcher = http
        if options.render == "browser":
            pages = await self._pool.session(guard, options.user_agent, tls, options.measure_after_load_s)
        try:
            return await CrawlRun(
                fetch_url,
                options,
                pages,
                http,
                on_page,
                resume=resume,
                on_checkpoint=on_checkpoint,
                checkpoints=checkpoints,
            ).run()
        finally:
            await pages.close()
