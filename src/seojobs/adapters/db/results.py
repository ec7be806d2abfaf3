"""Read a site's crawl results and analyses for the API (owner checks happen before these)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.domain.errors import NotFound

#: Most rows one results page returns.
MAX_RESULTS = 1000

LATEST_CRAWL = text("""
    SELECT crawl_job_id FROM pages WHERE site_id = :site ORDER BY created_at DESC, id DESC LIMIT 1
""")
ISSUES = text("""
    SELECT url, rule, severity, evidence, crawl_job_id FROM seo_issues
    WHERE site_id = :site AND crawl_job_id = :crawl
      AND (CAST(:rule AS text) IS NULL OR rule = CAST(:rule AS text))
      AND (CAST(:severity AS text) IS NULL OR severity = CAST(:severity AS text))
    ORDER BY id LIMIT :limit OFFSET :offset
""")
PAGES = text("""
    SELECT url, status, redirect_target, ttfb_ms, bytes, title, words FROM pages
    WHERE site_id = :site AND crawl_job_id = :crawl ORDER BY id LIMIT :limit OFFSET :offset
""")
LATEST_CONVERSATION = text("""
    SELECT id, job_id, engine, model, recommendations, created_at FROM ai_conversations
    WHERE site_id = :site AND recommendations IS NOT NULL ORDER BY created_at DESC LIMIT 1
""")
CONVERSATION = text("""
    SELECT c.id, c.site_id, c.job_id, c.engine, c.model, c.recommendations, c.created_at, s.user_id
    FROM ai_conversations c JOIN sites s ON s.id = c.site_id
    WHERE c.id = :id AND (CAST(:user AS uuid) IS NULL OR s.user_id = CAST(:user AS uuid))
""")
MESSAGES = text("""
    SELECT seq, role, content, model, input_tokens, output_tokens, stop_reason, latency_ms, created_at
    FROM ai_messages WHERE conversation_id = :id ORDER BY seq
""")


def _iso(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v.isoformat() if hasattr(v, "isoformat") else str(v) if isinstance(v, uuid.UUID) else v)
        for k, v in row.items()
    }


async def latest_crawl(engine: AsyncEngine, site_id: uuid.UUID) -> uuid.UUID | None:
    """The site's latest crawl job id (None before its first crawl)."""
    async with engine.connect() as conn:
        value = (await conn.execute(LATEST_CRAWL, {"site": site_id})).scalar()
    return None if value is None else uuid.UUID(str(value))


async def site_issues(
    engine: AsyncEngine,
    site_id: uuid.UUID,
    crawl: uuid.UUID,
    *,
    rule: str | None,
    severity: str | None,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    """One crawl's issues, filtered by rule and severity."""
    params = {
        "site": site_id,
        "crawl": crawl,
        "rule": rule,
        "severity": severity,
        "limit": min(limit, MAX_RESULTS),
        "offset": offset,
    }
    async with engine.connect() as conn:
        rows = (await conn.execute(ISSUES, params)).mappings().all()
    return [_iso(dict(r)) for r in rows]


async def site_pages(
    engine: AsyncEngine, site_id: uuid.UUID, crawl: uuid.UUID, *, limit: int, offset: int
) -> list[dict[str, Any]]:
    """One crawl's pages."""
    params = {"site": site_id, "crawl": crawl, "limit": min(limit, MAX_RESULTS), "offset": offset}
    async with engine.connect() as conn:
        rows = (await conn.execute(PAGES, params)).mappings().all()
    return [_iso(dict(r)) for r in rows]


async def latest_recommendations(engine: AsyncEngine, site_id: uuid.UUID) -> dict[str, Any] | None:
    """The site's newest analysis (None before the first)."""
    async with engine.connect() as conn:
        row = (await conn.execute(LATEST_CONVERSATION, {"site": site_id})).mappings().first()
    return None if row is None else _iso(dict(row))


async def conversation(
    engine: AsyncEngine, conversation_id: uuid.UUID, user_id: uuid.UUID | None
) -> dict[str, Any]:
    """A conversation with its messages; NotFound when missing or another user's."""
    async with engine.connect() as conn:
        row = (await conn.execute(CONVERSATION, {"id": conversation_id, "user": user_id})).mappings().first()
        if row is None:
            raise NotFound("conversation not found")
        messages = (await conn.execute(MESSAGES, {"id": conversation_id})).mappings().all()
    data = _iso(dict(row))
    data.pop("user_id", None)
    data["messages"] = [_iso(dict(m)) for m in messages]
    return data
