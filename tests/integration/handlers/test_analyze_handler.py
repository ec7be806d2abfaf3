"""The ANALYZE_SITE handler on the real database: no crawl yet, redelivery, the stored conversation."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db.accounts import create_site, create_user
from seojobs.adapters.llm.offline import OfflineEngine
from seojobs.domain.errors import PermanentError
from seojobs.domain.jobs import JobType
from seojobs.handlers.analyze import AnalyzeHandler
from tests.support.job_context import RecordingCtx

pytestmark = pytest.mark.integration


async def site_of_new_user(engine: AsyncEngine) -> tuple[uuid.UUID, uuid.UUID]:
    user = await create_user(engine, f"{uuid.uuid4().hex[:8]}@example.test")
    site = await create_site(engine, user, "https://shop.example", "shop")
    return user, uuid.UUID(site["id"])


async def test_a_site_without_a_crawl_fails_for_good_with_a_message_to_crawl_first(
    engine: AsyncEngine,
) -> None:
    user, site = await site_of_new_user(engine)
    ctx = RecordingCtx(JobType.ANALYZE_SITE, {"siteId": str(site), "userId": str(user)})
    with pytest.raises(PermanentError, match="run a crawl first"):
        await AnalyzeHandler(engine, OfflineEngine())(ctx)


async def test_a_redelivered_analysis_reuses_its_conversation(engine: AsyncEngine) -> None:
    user, site = await site_of_new_user(engine)
    crawl = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO pages (site_id, crawl_job_id, url, status) "
                "VALUES (:s, :c, 'https://shop.example/', 200)"
            ),
            {"s": site, "c": crawl},
        )
        for rule, severity in (("title_missing", "high"), ("h1_missing", "medium"), ("h1_missing", "medium")):
            await conn.execute(
                text(
                    "INSERT INTO seo_issues (site_id, crawl_job_id, url, rule, severity, evidence) "
                    "VALUES (:s, :c, 'https://shop.example/', :r, :v, '')"
                ),
                {"s": site, "c": crawl, "r": rule, "v": severity},
            )
    handler = AnalyzeHandler(engine, OfflineEngine())
    payload = {"siteId": str(site), "userId": str(user)}
    first = await handler(RecordingCtx(JobType.ANALYZE_SITE, payload, job_id := uuid.uuid4()))
    again = await handler(RecordingCtx(JobType.ANALYZE_SITE, payload, job_id))
    assert first["engine"] == "offline" and first["issuesAnalyzed"] == 3
    assert [r["rule"] for r in first["recommendations"]] == ["title_missing", "h1_missing"]
    assert again["conversationId"] == first["conversationId"]
    assert again["recommendations"] == first["recommendations"]
    async with engine.connect() as conn:
        convs = (
            await conn.execute(text("SELECT count(*) FROM ai_conversations WHERE job_id = :j"), {"j": job_id})
        ).scalar_one()
    assert convs == 1
