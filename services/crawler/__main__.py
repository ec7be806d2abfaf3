"""The crawler service: CRAWL_SITE jobs with Playwright and Debian's Chromium."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.crawl.engine import Crawler
from seojobs.domain.jobs import JobType, Service
from seojobs.handlers.crawl import CrawlHandler
from seojobs.pipeline.worker_main import HandlerSet, run_worker
from seojobs.settings import Settings


def _entries(value: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in value.split(",") if p.strip())


def allowed_private(settings: Settings) -> tuple[str, ...]:
    """The private networks/hosts the crawler may reach (empty in production)."""
    return _entries(settings.crawl_allowed_private)


def tls_insecure_hosts(settings: Settings) -> tuple[str, ...]:
    """The hosts whose TLS certificate the crawler does not verify (empty in production)."""
    return _entries(settings.crawl_tls_insecure_hosts)


async def make_handlers(settings: Settings, engine: AsyncEngine) -> HandlerSet:
    """The crawl handler with this process's one browser."""
    crawler = Crawler(chromium_path=settings.chromium_path)
    limit = settings.time_limit_s(JobType.CRAWL_SITE.value)
    handler = CrawlHandler(
        engine,
        crawler,
        allowed_private(settings),
        job_timeout_s=limit * 0.9,
        tls_insecure_hosts=tls_insecure_hosts(settings),
        checkpoint_pages=settings.crawl_checkpoint_pages,
        checkpoint_every_s=settings.crawl_checkpoint_every_s,
    )
    return HandlerSet({JobType.CRAWL_SITE: handler}, [crawler.close])


def main() -> None:
    """Run the crawler worker until stopped."""
    run_worker(Settings(), Service.CRAWLER, make_handlers)


if __name__ == "__main__":
    main()
