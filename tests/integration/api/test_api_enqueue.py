"""Enqueue endpoints: shapes and codes, job row and outbox in one transaction, idempotency."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.settings import Settings
from tests.integration.api.api_helpers import dispatched_topics, outbox_topics, row_counts
from tests.integration.api.conftest import World

pytestmark = pytest.mark.integration


async def test_crawl_is_accepted_with_the_seed_shape(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine, settings: Settings
) -> None:
    resp = await client.post(
        "/api/jobs/crawl", headers=world.alice.headers, json={"siteId": str(world.alice_site), "maxPages": 25}
    )
    assert resp.status_code == 202
    body = resp.json()
    job_id = body["jobId"]
    assert body == {
        "success": True,
        "jobId": job_id,
        "message": "Crawl job queued successfully",
        "statusUrl": f"/api/jobs/{job_id}/status",
    }
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT type, status, priority, payload, max_attempts, user_id, site_id"
                    " FROM jobs WHERE id = :id"
                ),
                {"id": uuid.UUID(job_id)},
            )
        ).one()
    assert row.type == "CRAWL_SITE" and row.status == "PENDING" and row.priority == 5
    assert row.payload == {
        "siteId": str(world.alice_site),
        "userId": str(world.alice.user_id),
        "maxPages": 25,
        "render": "browser",
    }
    assert row.max_attempts == settings.job_max_attempts
    assert (row.user_id, row.site_id) == (world.alice.user_id, world.alice_site)
    prefix = settings.topic_prefix
    assert await outbox_topics(engine) == [f"{prefix}job.events"], "the dispatcher sends it on"
    assert await dispatched_topics(engine, prefix) == [
        f"{prefix}job.events",
        f"{prefix}crawler.requested.medium",
    ]


async def test_crawl_priority_picks_the_lane(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine, settings: Settings
) -> None:
    async with engine.begin() as conn:  # the free plan caps priority at 5: alice pays for more
        await conn.execute(
            text("UPDATE users SET plan = 'enterprise' WHERE id = :u"), {"u": world.alice.user_id}
        )
    resp = await client.post(
        "/api/jobs/crawl",
        headers=world.alice.headers,
        json={"siteId": str(world.alice_site), "priority": 9, "render": "http"},
    )
    assert resp.status_code == 202
    assert f"{settings.topic_prefix}crawler.requested.high" in await dispatched_topics(
        engine, settings.topic_prefix
    )


async def test_analysis_is_accepted(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine, settings: Settings
) -> None:
    resp = await client.post(
        "/api/jobs/analysis", headers=world.alice.headers, json={"siteId": str(world.alice_site)}
    )
    assert resp.status_code == 202
    assert resp.json()["message"] == "Analysis job queued successfully"
    assert await dispatched_topics(engine, settings.topic_prefix) == [
        f"{settings.topic_prefix}job.events",
        f"{settings.topic_prefix}analyzer.requested.medium",
    ]


async def test_admin_enqueues_maintenance_jobs(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine, settings: Settings
) -> None:
    h = world.admin.headers
    cleanup = await client.post("/api/jobs/cleanup", headers=h, json={"daysOld": 30})
    default_cleanup = await client.post("/api/jobs/cleanup", headers=h)
    reset = await client.post("/api/jobs/usage-reset", headers=h, json={"month": "2024-01"})
    sync_one = await client.post("/api/jobs/sync-metrics", headers=h, json={"siteId": str(world.alice_site)})
    sync_all = await client.post("/api/jobs/sync-metrics", headers=h)
    responses = [cleanup, default_cleanup, reset, sync_one, sync_all]
    assert [r.status_code for r in responses] == [202] * 5
    assert cleanup.json()["message"] == "Cleanup job queued successfully"
    async with engine.connect() as conn:
        rows = (
            await conn.execute(text("SELECT type, payload, priority FROM jobs ORDER BY created_at"))
        ).all()
    assert [(r.type, r.payload, r.priority) for r in rows] == [
        ("CLEANUP_ROLLBACKS", {"daysOld": 30}, 2),
        ("CLEANUP_ROLLBACKS", {"daysOld": 90}, 2),
        ("RESET_USAGE", {"month": "2024-01"}, 2),
        ("SYNC_METRICS", {"siteId": str(world.alice_site)}, 4),
        ("SYNC_METRICS", {}, 4),
    ]
    assert f"{settings.topic_prefix}maintenance.requested.low" in await dispatched_topics(
        engine, settings.topic_prefix
    )


async def test_idempotency_key_returns_the_first_job(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    h = {**world.alice.headers, "Idempotency-Key": "crawl-42"}
    body = {"siteId": str(world.alice_site)}
    first = await client.post("/api/jobs/crawl", headers=h, json=body)
    counts = await row_counts(engine)
    second = await client.post("/api/jobs/crawl", headers=h, json=body)
    assert (first.status_code, second.status_code) == (202, 200)
    assert second.json()["jobId"] == first.json()["jobId"]
    assert await row_counts(engine) == counts == (1, 1)
    # The key is per user: bob's same key is another request.
    bob_site = (
        await client.post(
            "/api/sites", headers=world.bob.headers, json={"url": "https://bob.example", "name": "Bob"}
        )
    ).json()["site"]
    other = await client.post(
        "/api/jobs/crawl",
        headers={**world.bob.headers, "Idempotency-Key": "crawl-42"},
        json={"siteId": bob_site["id"]},
    )
    assert other.status_code == 202 and other.json()["jobId"] != first.json()["jobId"]


async def test_idempotency_key_reused_for_another_job_type_is_a_conflict(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    h = {**world.alice.headers, "Idempotency-Key": "k1"}
    await client.post("/api/jobs/crawl", headers=h, json={"siteId": str(world.alice_site)})
    counts = await row_counts(engine)
    resp = await client.post("/api/jobs/analysis", headers=h, json={"siteId": str(world.alice_site)})
    assert resp.status_code == 409
    assert "already used for a CRAWL_SITE job" in resp.json()["error"]
    assert await row_counts(engine) == counts


async def test_idempotency_key_on_admin_endpoints(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    h = {**world.admin.headers, "Idempotency-Key": "reset-2024-02"}
    first = await client.post("/api/jobs/usage-reset", headers=h, json={"month": "2024-02"})
    second = await client.post("/api/jobs/usage-reset", headers=h, json={"month": "2024-02"})
    assert (first.status_code, second.status_code) == (202, 200)
    assert first.json()["jobId"] == second.json()["jobId"]
    assert (await row_counts(engine))[0] == 1
