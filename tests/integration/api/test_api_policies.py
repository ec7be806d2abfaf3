"""Plans, quotas, one crawl per site, dependencies and schedules, through the real API and DB."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.domain.plans import DEFAULT_PLANS
from tests.integration.api.api_helpers import row_counts
from tests.integration.api.conftest import World

pytestmark = pytest.mark.integration


async def set_plan(engine: AsyncEngine, user_id: uuid.UUID, plan: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE users SET plan = :p WHERE id = :u"), {"p": plan, "u": user_id})


async def job_priority(engine: AsyncEngine, job_id: str) -> int:
    async with engine.connect() as conn:
        return int(
            (await conn.execute(text("SELECT priority FROM jobs WHERE id = :j"), {"j": job_id})).scalar_one()
        )


async def crawl(client: httpx.AsyncClient, world: World, **extra: object) -> httpx.Response:
    return await client.post(
        "/api/jobs/crawl", headers=world.alice.headers, json={"siteId": str(world.alice_site), **extra}
    )


async def test_the_plan_caps_and_boosts_priority(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    free = (await crawl(client, world, priority=10)).json()["jobId"]
    assert await job_priority(engine, free) == DEFAULT_PLANS["free"].cap
    await set_plan(engine, world.alice.user_id, "pro")
    analysis = await client.post(
        "/api/jobs/analysis",
        headers=world.alice.headers,
        json={"siteId": str(world.alice_site), "priority": 5},
    )
    assert await job_priority(engine, analysis.json()["jobId"]) == 5 + DEFAULT_PLANS["pro"].boost


async def test_past_the_monthly_quota_the_answer_is_429_and_nothing_is_written(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    quota = DEFAULT_PLANS["free"].monthly_analyses
    assert quota is not None
    month = datetime.now(UTC).strftime("%Y-%m")
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO usage_records (user_id, month, analyses, reset_at) VALUES (:u, :m, :n, now())"),
            {"u": world.alice.user_id, "m": month, "n": quota - 1},
        )
    last = await client.post(
        "/api/jobs/analysis", headers=world.alice.headers, json={"siteId": str(world.alice_site)}
    )
    assert last.status_code == 202
    before = await row_counts(engine)
    refused = await client.post(
        "/api/jobs/analysis", headers=world.alice.headers, json={"siteId": str(world.alice_site)}
    )
    assert refused.status_code == 429
    body = refused.json()
    assert body["success"] is False and "resets on" in body["error"]
    assert body["details"]["quota"] == quota and body["details"]["usage"] == quota
    assert body["details"]["resetAt"].startswith(("20",))
    assert await row_counts(engine) == before
    async with engine.connect() as conn:
        used = (
            await conn.execute(
                text("SELECT analyses FROM usage_records WHERE user_id = :u"), {"u": world.alice.user_id}
            )
        ).scalar_one()
    assert used == quota


async def test_one_crawl_per_site_at_a_time(
    exclusive_client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    client = exclusive_client
    first = await crawl(client, world)
    second = await crawl(client, world, maxPages=50)
    assert (first.status_code, second.status_code) == (202, 200)
    assert first.json()["jobId"] == second.json()["jobId"]
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE jobs SET status = 'COMPLETED'"))
    third = await crawl(client, world)
    assert third.status_code == 202 and third.json()["jobId"] != first.json()["jobId"]


async def test_crawl_with_analyze_creates_the_analysis_that_waits_for_it(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    resp = await crawl(client, world, analyze=True)
    assert resp.status_code == 202
    body = resp.json()
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT type, depends_on FROM jobs WHERE id = :j"), {"j": body["analysisJobId"]}
            )
        ).one()
    assert row.type == "ANALYZE_SITE" and [str(d) for d in row.depends_on] == [body["jobId"]]
    assert body["analysisStatusUrl"] == f"/api/jobs/{body['analysisJobId']}/status"


async def test_unknown_or_foreign_dependencies_are_refused(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    before = await row_counts(engine)
    unknown = await client.post(
        "/api/jobs/analysis",
        headers=world.alice.headers,
        json={"siteId": str(world.alice_site), "dependsOn": [str(uuid.uuid4())]},
    )
    assert unknown.status_code == 422 and "unknown jobs" in unknown.json()["error"]
    twice = str(uuid.uuid4())
    dup = await client.post(
        "/api/jobs/analysis",
        headers=world.alice.headers,
        json={"siteId": str(world.alice_site), "dependsOn": [twice, twice]},
    )
    assert dup.status_code == 422
    bob_site = (
        await client.post(
            "/api/sites", headers=world.bob.headers, json={"url": "https://bob.example", "name": "b"}
        )
    ).json()["site"]["id"]
    bobs = (
        await client.post("/api/jobs/crawl", headers=world.bob.headers, json={"siteId": bob_site})
    ).json()["jobId"]
    after_bob = await row_counts(engine)
    foreign = await client.post(
        "/api/jobs/analysis",
        headers=world.alice.headers,
        json={"siteId": str(world.alice_site), "dependsOn": [bobs]},
    )
    assert foreign.status_code == 422
    assert await row_counts(engine) == after_bob and after_bob[0] == before[0] + 1


async def test_scheduled_for_needs_a_zone_and_keeps_the_job_waiting(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    naive = await crawl(client, world, scheduledFor="2030-01-01T00:00:00")
    assert naive.status_code == 422 and "time zone" in naive.text
    later = datetime.now(UTC) + timedelta(hours=2)
    ok = await crawl(client, world, scheduledFor=later.isoformat())
    assert ok.status_code == 202
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT scheduled_for, dispatched_at FROM jobs WHERE id = :j"), {"j": ok.json()["jobId"]}
            )
        ).one()
    assert abs((row.scheduled_for - later).total_seconds()) < 0.01 and row.dispatched_at is None
