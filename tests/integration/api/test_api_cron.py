"""Cron endpoints: release due scheduled jobs, daily cleanup and monthly reset once per slot."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from seojobs.domain.jobs import JobType
from seojobs.domain.topics import Topics
from seojobs.maintenance.schedule import DAILY_CLEANUP
from seojobs.maintenance.slots import claim_slot_and_enqueue
from seojobs.queue_service import QueueService
from seojobs.settings import Settings
from services.api.routes.cron import daily_slot, monthly_slot
from tests.integration.api.api_helpers import dispatched_topics, outbox_topics, row_counts

pytestmark = pytest.mark.integration

CRON = {"Authorization": "Bearer test-cron-secret"}


async def _scheduled_job(engine: AsyncEngine, settings: Settings, priority: int) -> str:
    queue = QueueService(engine, Topics(settings.topic_prefix))
    later = datetime.now(UTC) + timedelta(hours=1)
    result = await queue.submit(
        JobType.CLEANUP_ROLLBACKS, {"daysOld": 10}, priority=priority, scheduled_for=later
    )
    return str(result.job_id)


async def _make_due(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE jobs SET scheduled_for = now() - interval '1 minute'"))


@pytest.mark.parametrize("path", ["/api/cron/process-jobs", "/api/jobs/process"])
async def test_process_releases_due_jobs(
    client: httpx.AsyncClient, engine: AsyncEngine, settings: Settings, path: str
) -> None:
    job_id = await _scheduled_job(engine, settings, priority=9)
    assert await outbox_topics(engine) == [f"{settings.topic_prefix}job.events"]
    empty = await client.post(path, headers=CRON)
    assert empty.json() == {"success": True, "released": [], "count": 0}
    await _make_due(engine)
    resp = await client.post(path, headers=CRON)
    assert resp.status_code == 200
    assert resp.json() == {
        "success": True,
        "count": 1,
        "released": [
            {
                "id": job_id,
                "type": "CLEANUP_ROLLBACKS",
                "priority": 9,
                "topic": f"{settings.topic_prefix}maintenance.requested.high",
            }
        ],
    }
    assert (await outbox_topics(engine))[-1] == f"{settings.topic_prefix}maintenance.requested.high"
    again = await client.post(path, headers=CRON)
    assert again.json()["count"] == 0


async def test_process_honours_the_batch_size(
    client: httpx.AsyncClient, engine: AsyncEngine, settings: Settings
) -> None:
    for _ in range(settings.job_process_batch_size + 2):
        await _scheduled_job(engine, settings, priority=2)
    await _make_due(engine)
    first = await client.get("/api/cron/process-jobs", headers=CRON)
    second = await client.post("/api/cron/process-jobs", headers=CRON)
    assert (first.json()["count"], second.json()["count"]) == (settings.job_process_batch_size, 2)


async def test_daily_enqueues_one_cleanup_per_day(
    client: httpx.AsyncClient, engine: AsyncEngine, settings: Settings
) -> None:
    first = await client.get("/api/cron/daily", headers=CRON)
    assert first.status_code == 202
    body = first.json()
    assert body["success"] is True and body["created"] is True
    assert body["slot"] == daily_slot(datetime.now(UTC)).isoformat()
    assert body["payload"] == {"daysOld": 90}
    second = await client.post("/api/cron/daily", headers=CRON)
    assert second.status_code == 200
    assert (second.json()["jobId"], second.json()["created"]) == (body["jobId"], False)
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT type, payload, priority FROM jobs"))).all()
    assert [(r.type, r.payload, r.priority) for r in rows] == [("CLEANUP_ROLLBACKS", {"daysOld": 90}, 2)]
    lane = f"{settings.topic_prefix}maintenance.requested.low"
    assert lane in await dispatched_topics(engine, settings.topic_prefix)


async def test_daily_respects_a_slot_the_scheduler_took(
    client: httpx.AsyncClient, engine: AsyncEngine, settings: Settings
) -> None:
    queue = QueueService(engine, Topics(settings.topic_prefix))
    job = queue.build(JobType.CLEANUP_ROLLBACKS, {"daysOld": 90})

    async def insert(conn: AsyncConnection) -> uuid.UUID:
        return (await queue.submit_in(conn, job)).job_id

    async with engine.connect() as conn:
        taken = await claim_slot_and_enqueue(conn, DAILY_CLEANUP, daily_slot(datetime.now(UTC)), insert)
    before = await row_counts(engine)
    resp = await client.post("/api/cron/daily", headers=CRON)
    assert resp.status_code == 200 and resp.json()["jobId"] == str(taken)
    assert await row_counts(engine) == before


async def test_monthly_enqueues_this_months_reset_once(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    now = datetime.now(UTC)
    first = await client.post("/api/cron/monthly", headers=CRON)
    assert first.status_code == 202
    assert first.json()["payload"] == {"month": f"{now.year:04d}-{now.month:02d}"}
    assert first.json()["slot"] == monthly_slot(now).isoformat()
    second = await client.get("/api/cron/monthly", headers=CRON)
    assert second.status_code == 200 and second.json()["jobId"] == first.json()["jobId"]
    assert (await row_counts(engine))[0] == 1


def test_slots_are_midnight_utc() -> None:
    now = datetime(2024, 3, 17, 15, 4, 5, tzinfo=UTC)
    assert daily_slot(now) == datetime(2024, 3, 17, tzinfo=UTC)
    assert monthly_slot(now) == datetime(2024, 3, 1, tzinfo=UTC)
