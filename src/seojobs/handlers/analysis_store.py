"""Reads a site's latest crawl and stores an analysis conversation (idempotent per job)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.domain.analysis.digest import IssueRow
from seojobs.ports.llm import EngineAnswer

SITE = text("SELECT url FROM sites WHERE id = :id")
LATEST_CRAWL = text("""
    SELECT crawl_job_id, count(*) AS pages FROM pages
    WHERE site_id = :site AND crawl_job_id = (
        SELECT crawl_job_id FROM pages WHERE site_id = :site ORDER BY created_at DESC, id DESC LIMIT 1)
    GROUP BY crawl_job_id
""")
ISSUES = text("""
    SELECT rule, severity, url, evidence FROM seo_issues
    WHERE site_id = :site AND crawl_job_id = :crawl ORDER BY id
""")
CONVERSATION_OF_JOB = text("""
    SELECT id, engine, model, recommendations FROM ai_conversations WHERE job_id = :job
""")
UPSERT_CONVERSATION = text("""
    INSERT INTO ai_conversations (site_id, user_id, job_id, engine, model, recommendations)
    VALUES (:site, :user, :job, :engine, :model, CAST(:recs AS jsonb))
    ON CONFLICT (job_id) DO UPDATE SET engine = EXCLUDED.engine, model = EXCLUDED.model,
        recommendations = EXCLUDED.recommendations
    RETURNING id
""")
DELETE_MESSAGES = text("DELETE FROM ai_messages WHERE conversation_id = :conv")
INSERT_MESSAGE = text("""
    INSERT INTO ai_messages (conversation_id, seq, role, content, model, input_tokens, output_tokens,
                             stop_reason, latency_ms)
    VALUES (:conv, :seq, :role, :content, :model, :input_tokens, :output_tokens, :stop_reason, :latency_ms)
""")


@dataclass(frozen=True)
class CrawlData:
    """What an analysis reads: the site, its latest crawl's issues and page count."""

    site_url: str
    crawl_job_id: uuid.UUID | None
    pages: int
    issues: tuple[IssueRow, ...]


async def load_crawl(engine: AsyncEngine, site_id: uuid.UUID) -> CrawlData | None:
    """The site's latest crawl (None when the site does not exist)."""
    async with engine.connect() as conn:
        site_url = (await conn.execute(SITE, {"id": site_id})).scalar()
        if site_url is None:
            return None
        latest = (await conn.execute(LATEST_CRAWL, {"site": site_id})).first()
        if latest is None:
            return CrawlData(site_url, None, 0, ())
        rows = (await conn.execute(ISSUES, {"site": site_id, "crawl": latest.crawl_job_id})).all()
    issues = tuple(IssueRow(r.rule, r.severity, r.url, r.evidence) for r in rows)
    return CrawlData(site_url, latest.crawl_job_id, int(latest.pages), issues)


async def stored_conversation(engine: AsyncEngine, job_id: uuid.UUID) -> dict[str, Any] | None:
    """The conversation a previous delivery of this job stored, if any."""
    async with engine.connect() as conn:
        row = (await conn.execute(CONVERSATION_OF_JOB, {"job": job_id})).mappings().first()
    return dict(row) if row and row["recommendations"] is not None else None


async def store_conversation(
    engine: AsyncEngine,
    *,
    site_id: uuid.UUID,
    user_id: uuid.UUID | None,
    job_id: uuid.UUID,
    answer: EngineAnswer,
) -> uuid.UUID:
    """Store (or replace) the job's conversation, its messages and recommendations."""
    recs = [r.model_dump(mode="json") for r in answer.recommendations]
    async with engine.begin() as conn:
        conv = (
            await conn.execute(
                UPSERT_CONVERSATION,
                {
                    "site": site_id,
                    "user": user_id,
                    "job": job_id,
                    "engine": answer.engine,
                    "model": answer.model,
                    "recs": json.dumps(recs),
                },
            )
        ).scalar_one()
        await conn.execute(DELETE_MESSAGES, {"conv": conv})
        if answer.messages:
            await conn.execute(
                INSERT_MESSAGE,
                [
                    {
                        "conv": conv,
                        "seq": i,
                        "role": m.role,
                        "content": m.content,
                        "model": m.model,
                        "input_tokens": m.input_tokens,
                        "output_tokens": m.output_tokens,
                        "stop_reason": m.stop_reason,
                        "latency_ms": m.latency_ms,
                    }
                    for i, m in enumerate(answer.messages)
                ],
            )
    return uuid.UUID(str(conv))
