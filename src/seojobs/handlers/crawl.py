"""The CRAWL_SITE handler: crawl the site with the process's one browser, store what was found."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs import metrics
from seojobs.crawl.engine import Crawler
from seojobs.crawl.records import CrawlOptions, CrawlProgress, crawl_result
from seojobs.domain.errors import PermanentError
from seojobs.domain.jobs import JobType
from seojobs.domain.payloads import CrawlPayload, parse_payload
from seojobs.handlers.crawl_store import site_url, store_crawl
from seojobs.ports.worker import JobContext

#: Progress reported while pages are still being crawled (100 comes with job.completed).
MAX_RUNNING_PROGRESS = 99


class CrawlHandler:
    """Runs CRAWL_SITE jobs; one Crawler (one Chromium) serves every job of the process."""

    def __init__(self, engine: AsyncEngine, crawler: Crawler, allowed_private: tuple[str, ...] = (),
                 job_timeout_s: float = 600.0, tls_insecure_hosts: tuple[str, ...] = ()) -> None:
        self.engine = engine
        self.crawler = crawler
        self.allowed_private = allowed_private
        self.job_timeout_s = job_timeout_s
        self.tls_insecure_hosts = tls_insecure_hosts

    async def __call__(self, ctx: JobContext) -> dict[str, Any]:
        """Crawl, report progress after every page (a cancellation checkpoint), store, summarise."""
        payload: CrawlPayload = parse_payload(JobType.CRAWL_SITE, ctx.payload)
        base_url = await site_url(self.engine, payload.site_id)
        if base_url is None:
            raise PermanentError(f"site {payload.site_id} no longer exists")
        options = CrawlOptions(max_pages=payload.max_pages, render=payload.render,
                               allowed_private=self.allowed_private, job_timeout_s=self.job_timeout_s,
                               tls_insecure_hosts=self.tls_insecure_hosts)

        async def on_page(progress: CrawlProgress) -> None:
            metrics.CRAWL_PAGES.inc()
            await ctx.progress(min(progress.percent, MAX_RUNNING_PROGRESS),
                               f"{progress.pages_done}/{progress.pages_total} {progress.url}")

        await ctx.progress(0, f"crawling {base_url}")
        report = await self.crawler.crawl(base_url, options, on_page)
        await store_crawl(self.engine, site_id=payload.site_id, job_id=ctx.job_id,
                          user_id=payload.user_id, report=report)
        return crawl_result(report)
