"""A redelivered crawl replaces its pages, issues and audit entry; it never duplicates them."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db.accounts import create_site, create_user
from seojobs.crawl.records import CrawlReport, IssueRecord, PageRecord
from seojobs.handlers.crawl_store import store_crawl

pytestmark = pytest.mark.integration

COUNTS = text("""
    SELECT (SELECT count(*) FROM pages WHERE crawl_job_id = :j),
           (SELECT count(*) FROM seo_issues WHERE crawl_job_id = :j),
           (SELECT count(*) FROM audit_logs WHERE entity_id = CAST(:j AS text))
""")


def report(pages: int) -> CrawlReport:
    return CrawlReport(
        base_url="https://shop.example/",
        pages=tuple(
            PageRecord(f"https://shop.example/p{i}", 200, None, 12.0, 1000, f"Page {i}", 300)
            for i in range(pages)
        ),
        issues=tuple(
            IssueRecord(f"https://shop.example/p{i}", "h1_missing", "medium", "") for i in range(pages)
        ),
        stopped_reason="completed",
        duration_ms=50,
    )


async def test_storing_a_crawl_twice_leaves_one_copy(engine: AsyncEngine) -> None:
    user = await create_user(engine, f"{uuid.uuid4().hex[:8]}@example.test")
    site = uuid.UUID((await create_site(engine, user, "https://shop.example", "shop"))["id"])
    job = uuid.uuid4()
    await store_crawl(engine, site_id=site, job_id=job, user_id=user, report=report(5))
    await store_crawl(engine, site_id=site, job_id=job, user_id=user, report=report(5))
    async with engine.connect() as conn:
        assert tuple((await conn.execute(COUNTS, {"j": job})).one()) == (5, 5, 1)
    # A redelivery that saw fewer pages replaces, it does not add.
    await store_crawl(engine, site_id=site, job_id=job, user_id=user, report=report(3))
    async with engine.connect() as conn:
        assert tuple((await conn.execute(COUNTS, {"j": job})).one()) == (3, 3, 1)
