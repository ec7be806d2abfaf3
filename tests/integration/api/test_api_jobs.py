"""Reading and cancelling jobs: status, list, stats, cancel."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.settings import Settings
from tests.integration.api.api_helpers import outbox_topics, set_job_status
from tests.integration.api.conftest import World

pytestmark = pytest.mark.integration

JOB_FIELDS = {
    "id",
    "type",
    "status",
    "priority",
    "progress",
    "payload",
    "result",
    "error",
    "attempts",
    "maxAttempts",
    "scheduledFor",
    "startedAt",
    "completedAt",
    "createdAt",
    "updatedAt",
}


async def _crawl(client: httpx.AsyncClient, world: World, **body: object) -> str:
    resp = await client.post(
        "/api/jobs/crawl", headers=world.alice.headers, json={"siteId": str(world.alice_site), **body}
    )
    assert resp.status_code == 202
    return str(resp.json()["jobId"])


async def test_status_has_every_field(client: httpx.AsyncClient, world: World) -> None:
    job_id = await _crawl(client, world)
    resp = await client.get(f"/api/jobs/{job_id}/status", headers=world.alice.headers)
    assert resp.status_code == 200
    body = resp.json()
    assert body["success"] is True
    job = body["job"]
    assert set(job) >= JOB_FIELDS
    assert (job["id"], job["type"], job["status"], job["progress"]) == (job_id, "CRAWL_SITE", "PENDING", 0)
    assert (job["attempts"], job["maxAttempts"], job["result"]) == (0, 3, None)


async def test_admin_sees_any_job_status(client: httpx.AsyncClient, world: World) -> None:
    job_id = await _crawl(client, world)
    resp = await client.get(f"/api/jobs/{job_id}/status", headers=world.admin.headers)
    assert resp.status_code == 200 and resp.json()["job"]["id"] == job_id


async def test_list_filters_and_limits(client: httpx.AsyncClient, world: World, engine: AsyncEngine) -> None:
    first = await _crawl(client, world)
    second = await _crawl(client, world)
    await client.post(
        "/api/jobs/analysis", headers=world.alice.headers, json={"siteId": str(world.alice_site)}
    )
    await set_job_status(engine, first, "COMPLETED")
    h = world.alice.headers
    everything = (await client.get("/api/jobs", headers=h)).json()
    assert everything["success"] is True and len(everything["jobs"]) == 3
    crawls = (await client.get("/api/jobs?type=CRAWL_SITE", headers=h)).json()["jobs"]
    assert {j["id"] for j in crawls} == {first, second}
    done = (await client.get("/api/jobs?type=CRAWL_SITE&status=COMPLETED", headers=h)).json()["jobs"]
    assert [j["id"] for j in done] == [first]
    assert len((await client.get("/api/jobs?limit=1", headers=h)).json()["jobs"]) == 1
    assert (await client.get("/api/jobs", headers=world.bob.headers)).json()["jobs"] == []
    assert len((await client.get("/api/jobs", headers=world.admin.headers)).json()["jobs"]) == 3


async def test_stats_per_user_and_for_admin(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    done = await _crawl(client, world)
    await _crawl(client, world)
    await set_job_status(engine, done, "COMPLETED")
    await client.post("/api/jobs/cleanup", headers=world.admin.headers, json={})
    alice = await client.get("/api/jobs/stats", headers=world.alice.headers)
    assert alice.status_code == 200
    assert alice.json() == {
        "pending": 1,
        "processing": 0,
        "completed": 1,
        "failed": 0,
        "cancelled": 0,
        "total": 2,
    }
    assert (await client.get("/api/jobs/stats", headers=world.bob.headers)).json()["total"] == 0
    admin = (await client.get("/api/jobs/stats", headers=world.admin.headers)).json()
    assert (admin["pending"], admin["total"]) == (2, 3)


async def test_cancel_pending_then_twice(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine, settings: Settings
) -> None:
    job_id = await _crawl(client, world)
    first = await client.post(f"/api/jobs/{job_id}/cancel", headers=world.alice.headers)
    assert first.status_code == 200
    assert first.json() == {"success": True, "jobId": job_id, "status": "CANCELLED"}
    status = (await client.get(f"/api/jobs/{job_id}/status", headers=world.alice.headers)).json()["job"]
    assert status["status"] == "CANCELLED" and status["completedAt"] is not None
    topics = await outbox_topics(engine)
    assert topics.count(f"{settings.topic_prefix}job.events") == 2  # requested + cancelled
    again = await client.post(f"/api/jobs/{job_id}/cancel", headers=world.alice.headers)
    assert again.status_code == 200 and again.json()["status"] == "CANCELLED"
    assert await outbox_topics(engine) == topics


async def test_cancel_processing_asks_the_worker_to_stop(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    job_id = await _crawl(client, world)
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE jobs SET status = 'PROCESSING' WHERE id = CAST(:id AS uuid)"), {"id": job_id}
        )
    resp = await client.post(f"/api/jobs/{job_id}/cancel", headers=world.alice.headers)
    assert resp.status_code == 200 and resp.json()["status"] == "PROCESSING"
    job = (await client.get(f"/api/jobs/{job_id}/status", headers=world.alice.headers)).json()["job"]
    assert job["cancelRequested"] is True


async def test_cancel_finished_job_is_a_conflict(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    job_id = await _crawl(client, world)
    await set_job_status(engine, job_id, "COMPLETED")
    resp = await client.post(f"/api/jobs/{job_id}/cancel", headers=world.alice.headers)
    assert resp.status_code == 409
    body = resp.json()
    assert body["success"] is False and "COMPLETED" in body["error"]
    assert body["details"] == {"status": "COMPLETED"}
