"""The CRAWL_SITE handler: crawl the site with the process's one browser, store what was found."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs import metrics
from seojobs.crawl.checkpoint import DEFAULT_CHECKPOINT_EVERY_S, DEFAULT_CHECKPOINT_PAGES, CheckpointClock
from seojobs.crawl.engine import Crawler
from seojobs.crawl.records import CrawlOptions, CrawlProgress, crawl_result
from seojobs.domain.errors import PermanentError
from seojobs.domain.jobs import JobType
from seojobs.domain.payloads import CrawlPayload
from seojobs.domain.registry import parse_payload
from seojobs.handlers.crawl_checkpoints import CheckpointStore
from seojobs.handlers.crawl_store import site_url, store_crawl
from seojobs.ports.worker import JobContext

#: Progress reported while pages are still being crawled (100 comes with job.completed).
MAX_RUNNING_PROGRESS = 99


class CrawlHandler:
    """Runs CRAWL_SITE jobs; one Crawler (one Chromium) serves every job of the process."""

    def __init__(
        self,
        engine: AsyncEngine,
        crawler: Crawler,
        allowed_private: tuple[str, ...] = (),
        job_timeout_s: float = 600.0,
        tls_insecure_hosts: tuple[str, ...] = (),
        *,
        checkpoint_pages: int = DEFAULT_CHECKPOINT_PAGES,
        checkpoint_every_s: float = DEFAULT_CHECKPOINT_EVERY_S,
    ) -> None:
        self.engine = engine
        self.crawler = crawler
        self.allowed_private = allowed_private
        self.job_timeout_s = job_timeout_s
        self.tls_insecure_hosts = tls_insecure_hosts
        self.checkpoint_pages = checkpoint_pages
        self.checkpoint_every_s = checkpoint_every_s

    async def __call__(self, ctx: JobContext) -> dict[str, Any]:
        """Crawl, report progress after every page (a cancellation checkpoint), store, summarise."""
        payload: CrawlPayload = parse_payload(JobType.CRAWL_SITE, ctx.payload)
        base_url = await site_url(self.engine, payload.site_id)
        if base_url is None:
            raise PermanentError(f"site {payload.site_id} no longer exists")
        options = CrawlOptions(
            max_pages=payload.max_pages,
            render=payload.render,
            allowed_private=self.allowed_private,
            job_timeout_s=self.job_timeout_s,
            tls_insecure_hosts=self.tls_insecure_hosts,
        )

        async def on_page(progress: CrawlProgress) -> None:
            metrics.CRAWL_PAGES.inc()
            await ctx.progress(
                min(progress.percent, MAX_RUNNING_PROGRESS),
                f"{progress.pages_done}/{progress.pages_total} {progress.url}",
            )

        checkpoints = CheckpointStore(self.engine, ctx.job_id, ctx.series)
        resume = await checkpoints.load()
        if resume is None:
            await ctx.progress(0, f"crawling {base_url}")
        else:  # a restart after the last attempt's worker died: go on from its last save
            await ctx.progress(resume.last_percent, f"resuming {base_url} at {resume.pages} pages")
        clock = CheckpointClock(
            self.checkpoint_pages, self.checkpoint_every_s, pages=resume.pages if resume else 0
        )
        report = await self.crawler.crawl(
            base_url, options, on_page, resume=resume, on_checkpoint=checkpoints.save, checkpoints=clock
        )
        await store_crawl(
            self.engine, site_id=payload.site_id, job_id=ctx.job_id, user_id=payload.user_id, report=report
        )
        await checkpoints.drop()
        return crawl_result(report)
