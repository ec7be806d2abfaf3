"""The polled paths: keyset pages with filters, counts kept by triggers, cached token lookups."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db.job_reads import fold_job_counts, job_stats
from seojobs.adapters.db.job_store import JobStore
from seojobs.domain.topics import Topics
from seojobs.settings import Settings
from services.api.app import create_app
from tests.integration.api.api_helpers import set_job_status
from tests.integration.api.conftest import World, _client

pytestmark = pytest.mark.integration

COUNTS_BY_SCAN = text("""
    SELECT coalesce(user_id, '00000000-0000-0000-0000-000000000000'), type, status, count(*)
    FROM jobs GROUP BY 1, 2, 3
""")
KEPT_COUNTS = text("""
    SELECT user_id, type, status, sum(n) FROM (
        SELECT user_id, type, status, n FROM job_counts
        UNION ALL SELECT user_id, type, status, n FROM job_count_deltas) c
    GROUP BY 1, 2, 3 HAVING sum(n) <> 0
""")


async def assert_counts_match(engine: AsyncEngine) -> None:
    """The kept counts (folded or not) equal a scan of jobs, per owner, type and status."""
    async with engine.connect() as conn:
        scanned = {tuple(r[:3]): r[3] for r in (await conn.execute(COUNTS_BY_SCAN)).all()}
        kept = {tuple(r[:3]): r[3] for r in (await conn.execute(KEPT_COUNTS)).all()}
    assert kept == scanned


async def _enqueue(
    client: httpx.AsyncClient, world: World, kind: str = "crawl", site: uuid.UUID | None = None
) -> str:
    resp = await client.post(
        f"/api/jobs/{kind}", headers=world.alice.headers, json={"siteId": str(site or world.alice_site)}
    )
    assert resp.status_code == 202, resp.text
    return str(resp.json()["jobId"])


async def _pages(client: httpx.AsyncClient, headers: dict[str, str], query: str) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        url = f"/api/jobs?{query}" + (f"&after={cursor}" if cursor else "")
        body = (await client.get(url, headers=headers)).json()
        pages.append([j["id"] for j in body["jobs"]])
        cursor = body["nextCursor"]
        if cursor is None:
            return pages


async def test_cursor_pages_cover_every_job_once_newest_first(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    ids = [await _enqueue(client, world, "crawl" if i % 2 else "analysis") for i in range(7)]
    # Two jobs created at the same instant: the id breaks the tie, and no page loses either.
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE jobs SET created_at = (SELECT created_at FROM jobs WHERE id = :a) WHERE id = :b"),
            {"a": ids[2], "b": ids[3]},
        )
        order = [
            str(r[0])
            for r in await conn.execute(text("SELECT id FROM jobs ORDER BY created_at DESC, id DESC"))
        ]
    pages = await _pages(client, world.alice.headers, "limit=3")
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [i for p in pages for i in p] == order
    crawls = await _pages(client, world.alice.headers, "limit=2&type=CRAWL_SITE")
    assert sorted(i for p in crawls for i in p) == sorted(ids[1::2])
    assert await _pages(client, world.bob.headers, "limit=2") == [[]]


async def test_list_filters_by_status_site_and_creation_time(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    other_site = uuid.UUID(
        (
            await client.post(
                "/api/sites",
                headers=world.alice.headers,
                json={"url": "https://other.example", "name": "Other"},
            )
        ).json()["site"]["id"]
    )
    first = await _enqueue(client, world)
    second = await _enqueue(client, world, site=other_site)
    await set_job_status(engine, first, "COMPLETED")
    h = world.alice.headers
    assert await _pages(client, h, "status=COMPLETED") == [[first]]
    assert await _pages(client, h, f"siteId={other_site}") == [[second]]
    async with engine.connect() as conn:
        created = (
            await conn.execute(text("SELECT created_at FROM jobs WHERE id = :id"), {"id": second})
        ).scalar_one()
    since = created.astimezone(UTC).isoformat().replace("+00:00", "Z")
    assert await _pages(client, h, f"since={since}") == [[second]]
    assert await _pages(client, h, f"until={since}") == [[first]]
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert await _pages(client, h, f"since={future}") == [[]]


async def test_a_forged_cursor_is_422(client: httpx.AsyncClient, world: World) -> None:
    for bad in ("nonsense", "bm90IGEgY3Vyc29y", "MjAyNi0wMS0wMXxub3QtYS11dWlk"):
        resp = await client.get(f"/api/jobs?after={bad}", headers=world.alice.headers)
        assert resp.status_code == 422 and resp.json()["success"] is False


async def test_the_cursor_is_in_the_openapi_document(client: httpx.AsyncClient) -> None:
    params = (await client.get("/openapi.json")).json()["paths"]["/api/jobs"]["get"]["parameters"]
    assert {"after", "siteId", "since", "until", "type", "status", "limit"} <= {p["name"] for p in params}


async def test_stats_come_from_kept_counts_through_enqueue_projection_cancel_and_cleanup(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    jobs = [await _enqueue(client, world) for _ in range(4)]
    await set_job_status(engine, jobs[0], "COMPLETED")
    await set_job_status(engine, jobs[1], "PROCESSING")
    assert (await client.post(f"/api/jobs/{jobs[2]}/cancel", headers=world.alice.headers)).status_code == 200
    await assert_counts_match(engine)
    stats = (await client.get("/api/jobs/stats", headers=world.alice.headers)).json()
    assert stats == {"pending": 1, "processing": 1, "completed": 1, "failed": 0, "cancelled": 1, "total": 4}
    await fold_job_counts(engine)
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM job_count_deltas"))).scalar_one() == 0
    assert await job_stats(engine, world.alice.user_id) == stats
    async with engine.begin() as conn:  # a month later, the cleanup takes the finished jobs
        await conn.execute(
            text("UPDATE jobs SET completed_at = now() - interval '40 days' WHERE id = ANY(:ids)"),
            {"ids": [uuid.UUID(j) for j in jobs[:3]]},
        )
    assert await JobStore(engine, Topics("")).cleanup_old(30) == 2
    await assert_counts_match(engine)
    after = (await client.get("/api/jobs/stats", headers=world.admin.headers)).json()
    assert (after["completed"], after["cancelled"], after["total"]) == (0, 0, 2)
    async with engine.begin() as conn:  # a rebuild starts from an emptied table
        await conn.execute(text("TRUNCATE jobs CASCADE"))
    await assert_counts_match(engine)
    assert (await client.get("/api/jobs/stats", headers=world.admin.headers)).json()["total"] == 0


@pytest.fixture
async def short_cache_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app with token lookups trusted for half a second."""
    async for c in _client(create_app(settings.model_copy(update={"auth_cache_ttl_s": 0.5}))):
        yield c


async def _refused_within(client: httpx.AsyncClient, headers: dict[str, str], seconds: float) -> float:
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        if (await client.get("/api/jobs/stats", headers=headers)).status_code == 401:
            return time.monotonic() - began
        await asyncio.sleep(0.05)
    raise AssertionError(f"still accepted {seconds} s after the change")


async def test_a_revoked_token_is_refused_within_the_cache_ttl(
    short_cache_client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    client = short_cache_client
    assert (await client.get("/api/jobs/stats", headers=world.alice.headers)).status_code == 200
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM api_tokens WHERE user_id = :u"), {"u": world.alice.user_id})
    assert await _refused_within(client, world.alice.headers, 3.0) < 1.5
    assert (await client.get("/api/jobs/stats", headers=world.bob.headers)).status_code == 200
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE users SET active = false WHERE id = :u"), {"u": world.bob.user_id})
    assert await _refused_within(client, world.bob.headers, 3.0) < 1.5
