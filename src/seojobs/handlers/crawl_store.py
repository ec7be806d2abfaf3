"""Stores a crawl's pages and issues; a redelivered crawl replaces its rows, never duplicates them."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.crawl.records import CrawlReport, crawl_result

SITE_URL = text("SELECT url FROM sites WHERE id = :id")
DELETE_PAGES = text("DELETE FROM pages WHERE crawl_job_id = :job")
DELETE_ISSUES = text("DELETE FROM seo_issues WHERE crawl_job_id = :job")
DELETE_AUDIT = text("DELETE FROM audit_logs WHERE action = 'crawl.completed' AND entity_id = :job_s")
INSERT_PAGE = text("""
    INSERT INTO pages (site_id, crawl_job_id, url, status, redirect_target, ttfb_ms, bytes, title, words)
    VALUES (:site, :job, :url, :status, :redirect_target, :ttfb_ms, :bytes, :title, :words)
""")
INSERT_ISSUE = text("""
    INSERT INTO seo_issues (site_id, crawl_job_id, url, rule, severity, evidence)
    VALUES (:site, :job, :url, :rule, :severity, :evidence)
""")
INSERT_AUDIT = text("""
    INSERT INTO audit_logs (user_id, action, entity, entity_id, details)
    VALUES (:user, 'crawl.completed', 'site', :job_s, CAST(:details AS jsonb))
""")


async def site_url(engine: AsyncEngine, site_id: uuid.UUID) -> str | None:
    """The base URL of a site (None when it no longer exists)."""
    async with engine.connect() as conn:
        value = (await conn.execute(SITE_URL, {"id": site_id})).scalar()
    return None if value is None else str(value)


async def store_crawl(
    engine: AsyncEngine,
    *,
    site_id: uuid.UUID,
    job_id: uuid.UUID,
    user_id: uuid.UUID | None,
    report: CrawlReport,
) -> None:
    """Replace this crawl's pages, issues and audit entry with the report's, in one transaction."""
    keys = {"site": site_id, "job": job_id}
    async with engine.begin() as conn:
        await conn.execute(DELETE_PAGES, keys)
        await conn.execute(DELETE_ISSUES, keys)
        await conn.execute(DELETE_AUDIT, {"job_s": str(job_id)})
        if report.pages:
            await conn.execute(
                INSERT_PAGE,
                [
                    {
                        **keys,
                        "url": p.url,
                        "status": p.status,
                        "redirect_target": p.redirect_target,
                        "ttfb_ms": p.ttfb_ms,
                        "bytes": p.bytes,
                        "title": p.title,
                        "words": p.words,
                    }
                    for p in report.pages
                ],
            )
        if report.issues:
            await conn.execute(
                INSERT_ISSUE,
                [
                    {**keys, "url": i.url, "rule": i.rule, "severity": i.severity, "evidence": i.evidence}
                    for i in report.issues
                ],
            )
        details = {"site_id": str(site_id), **crawl_result(report)}
        await conn.execute(
            INSERT_AUDIT, {"user": user_id, "job_s": str(job_id), "details": json.dumps(details, default=str)}
        )
