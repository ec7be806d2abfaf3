"""Delivery semantics on the real services: schedules, cancellation, time limits, priorities,
fairness between users, chains, and retries that survive a killed consumer."""

from __future__ import annotations

import asyncio
import signal
import statistics
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db.job_store import JobStore
from seojobs.domain.jobs import JobType
from seojobs.domain.requests import NewJob
from seojobs.domain.topics import Topics
from seojobs.queue_service import QueueService
from seojobs.settings import Settings
from tests.e2e.conftest import Account, make_account
from tests.e2e.jobs_http import job_status, post_job, wait_terminal
from tests.e2e.test_e2e_faults import events_of
from tests.support.services import ServiceSet, wait_for

pytestmark = pytest.mark.e2e

PIPELINE = ("api", "relay", "projector")

#: 40,000 expired rollbacks: a cleanup of them in batches of 50 runs for a few seconds.
EXPIRED_ROLLBACKS = text("""
    INSERT INTO rollbacks (created_at, expires_at)
    SELECT now() - interval '200 days', now() - interval '1 day' FROM generate_series(1, 40000)
""")
SITE = text("INSERT INTO sites (id, user_id, url, name) VALUES (:s, :u, 'https://e.test/', 'e')")
PAGE = text("INSERT INTO pages (site_id, crawl_job_id, url, status) VALUES (:s, :c, 'https://e.test/', 200)")
ISSUE = text(
    "INSERT INTO seo_issues (site_id, crawl_job_id, url, rule, severity, evidence) "
    "VALUES (:s, :c, 'https://e.test/', 'h1_missing', 'medium', '')"
)
STARTED_AT = text("SELECT started_at FROM jobs WHERE id = :j")
PENDING_OF = text("SELECT count(*) FROM jobs WHERE user_id = :u AND status = 'PENDING'")


def start(services: ServiceSet, *names: str, **env: Any) -> None:
    for name in names:
        services.start(name, **env)


async def bulk(engine: AsyncEngine, settings: Settings, owner: uuid.UUID, count: int, priority: int) -> None:
    """Enqueue many SYNC_METRICS jobs in one transaction (as a flood would arrive)."""
    queue = QueueService(engine, Topics(settings.topic_prefix))
    async with engine.begin() as conn:
        for _ in range(count):
            job = queue.build(JobType.SYNC_METRICS, {}, priority=priority, user_id=owner)
            await queue.submit_in(conn, job)


async def started_at(engine: AsyncEngine, job_id: str) -> datetime:
    async with engine.connect() as conn:
        value = (await conn.execute(STARTED_AT, {"j": job_id})).scalar()
    assert value is not None
    return value  # type: ignore[no-any-return]


async def test_scheduled_jobs_start_neither_early_nor_more_than_a_second_late(
    services: ServiceSet, admin: Account, http: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    start(services, *PIPELINE, "maintenance")
    await services.wait_api()
    warm = await post_job(http, services, "/api/jobs/sync-metrics", {}, admin.headers)
    await wait_terminal(http, services, warm, admin.headers)
    base = datetime.now(UTC) + timedelta(seconds=3)
    due = {
        await post_job(
            http,
            services,
            "/api/jobs/sync-metrics",
            {"scheduledFor": (base + timedelta(milliseconds=300 * i)).isoformat()},
            admin.headers,
        ): base + timedelta(milliseconds=300 * i)
        for i in range(10)
    }
    for job_id in due:
        assert (await job_status(http, services, job_id, admin.headers))["status"] == "PENDING"
    lateness = []
    for job_id, when in due.items():
        job = await wait_terminal(http, services, job_id, admin.headers)
        assert job["status"] == "COMPLETED"
        lateness.append((datetime.fromisoformat(job["startedAt"]) - when).total_seconds())
    print(
        f"\nscheduled start lateness: p50 {statistics.median(lateness) * 1000:.0f} ms, "
        f"max {max(lateness) * 1000:.0f} ms"
    )
    assert min(lateness) >= 0, "no scheduled job starts before its time"
    assert max(lateness) < 1.0, "every scheduled job starts within a second of its time"


async def test_cancel_pending_never_starts_and_processing_stops_at_its_next_checkpoint(
    services: ServiceSet, admin: Account, http: httpx.AsyncClient, engine: AsyncEngine, settings: Settings
) -> None:
    async with engine.begin() as conn:
        await conn.execute(EXPIRED_ROLLBACKS)
    start(services, *PIPELINE)
    services.start("maintenance", SEOJOBS_MAINTENANCE_BATCH_SIZE=50)
    await services.wait_api()
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    waiting = await post_job(http, services, "/api/jobs/sync-metrics", {"scheduledFor": later}, admin.headers)
    resp = await http.post(f"{services.api_url}/api/jobs/{waiting}/cancel", headers=admin.headers)
    assert resp.status_code == 200 and resp.json()["status"] == "CANCELLED"
    again = await http.post(f"{services.api_url}/api/jobs/{waiting}/cancel", headers=admin.headers)
    assert again.status_code == 200, "cancelling twice is harmless"

    running = await post_job(http, services, "/api/jobs/cleanup", {}, admin.headers)

    async def deleting() -> bool:
        async with engine.connect() as conn:
            left = (await conn.execute(text("SELECT count(*) FROM rollbacks"))).scalar_one()
        return bool(left < 39000)

    await wait_for(deleting, 60, "the cleanup to run", services.log_tail, 0.05)
    asked = datetime.now(UTC)
    resp = await http.post(f"{services.api_url}/api/jobs/{running}/cancel", headers=admin.headers)
    assert resp.status_code == 200
    job = await wait_terminal(http, services, running, admin.headers, timeout_s=10)
    assert job["status"] == "CANCELLED"
    assert (datetime.fromisoformat(job["updatedAt"]) - asked).total_seconds() < 2.0
    async with engine.connect() as conn:
        left = (await conn.execute(text("SELECT count(*) FROM rollbacks"))).scalar_one()
    assert left > 0, "the cleanup stopped before the end"
    await asyncio.sleep(1.0)  # let a run that did not stop show itself
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM rollbacks"))).scalar_one() == left
    warm = await post_job(http, services, "/api/jobs/sync-metrics", {}, admin.headers)
    assert (await wait_terminal(http, services, warm, admin.headers))["status"] == "COMPLETED"
    finished = await http.post(f"{services.api_url}/api/jobs/{warm}/cancel", headers=admin.headers)
    assert finished.status_code == 409, "a finished job can no longer be cancelled"
    kinds = [e["event_type"] for e in await events_of(settings, {waiting})]
    assert "job.started" not in kinds, "a cancelled PENDING job never starts"


async def test_a_job_over_its_time_limit_is_stopped_retried_and_dead_lettered(
    services: ServiceSet, admin: Account, http: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    async with engine.begin() as conn:
        await conn.execute(EXPIRED_ROLLBACKS)
    start(services, *PIPELINE)
    services.start(
        "maintenance",
        SEOJOBS_MAINTENANCE_BATCH_SIZE=50,
        SEOJOBS_JOB_TIME_LIMITS_S='{"CLEANUP_ROLLBACKS": 0.5}',
    )
    await services.wait_api()
    job_id = await post_job(http, services, "/api/jobs/cleanup", {"maxAttempts": 2}, admin.headers)
    job = await wait_terminal(http, services, job_id, admin.headers, timeout_s=60)
    assert job["status"] == "FAILED" and job["attempts"] == 2
    assert "exceeded its time limit of 0.5s" in job["error"]

    async def flagged() -> bool:
        return bool((await job_status(http, services, job_id, admin.headers))["deadLettered"])

    await wait_for(flagged, 10, "the job to be flagged dead-lettered")
    async with engine.connect() as conn:
        left = (await conn.execute(text("SELECT count(*) FROM rollbacks"))).scalar_one()
    await asyncio.sleep(1.0)  # a run that was not stopped would keep deleting
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM rollbacks"))).scalar_one() == left > 0


async def test_a_priority_10_job_overtakes_5000_waiting_low_priority_jobs(
    services: ServiceSet, admin: Account, http: httpx.AsyncClient, engine: AsyncEngine, settings: Settings
) -> None:
    await bulk(engine, settings, admin.user_id, 5000, priority=1)
    start(services, *PIPELINE, "maintenance")
    await services.wait_api()

    async def some_started() -> bool:
        async with engine.connect() as conn:
            return bool(
                (
                    await conn.execute(text("SELECT count(*) FROM jobs WHERE started_at IS NOT NULL"))
                ).scalar_one()
                >= 20
            )

    await wait_for(some_started, 60, "the low-priority flood to be under way", services.log_tail)
    urgent = await post_job(http, services, "/api/jobs/sync-metrics", {"priority": 10}, admin.headers)
    assert (await wait_terminal(http, services, urgent, admin.headers))["status"] == "COMPLETED"
    when = await started_at(engine, urgent)
    async with engine.connect() as conn:
        before = (
            await conn.execute(
                text(
                    "SELECT count(*) FROM jobs WHERE priority = 1 AND started_at IS NOT NULL AND started_at < :t"
                ),
                {"t": when},
            )
        ).scalar_one()
    print(f"\npriority 10 job started after {before} of 5000 low-priority jobs")
    assert 5000 - before >= 4900


async def test_one_users_flood_does_not_delay_another_users_job_by_more_than_a_few_jobs(
    services: ServiceSet, engine: AsyncEngine, http: httpx.AsyncClient, settings: Settings
) -> None:
    flooder, other = await make_account(engine, "admin"), await make_account(engine, "admin")
    await bulk(engine, settings, flooder.user_id, 5000, priority=4)
    window = 8
    start(services, *PIPELINE, SEOJOBS_DISPATCH_WINDOW=window)
    services.start("maintenance")
    await services.wait_api()

    async def flowing() -> bool:
        async with engine.connect() as conn:
            return bool(
                (
                    await conn.execute(text("SELECT count(*) FROM jobs WHERE status = 'COMPLETED'"))
                ).scalar_one()
                >= 30
            )

    await wait_for(flowing, 60, "the flood to flow", services.log_tail)
    asked = datetime.now(UTC)
    single = await post_job(http, services, "/api/jobs/sync-metrics", {"priority": 4}, other.headers)
    assert (await wait_terminal(http, services, single, other.headers))["status"] == "COMPLETED"
    began = await started_at(engine, single)
    async with engine.connect() as conn:
        overtook = (
            await conn.execute(
                text("SELECT count(*) FROM jobs WHERE user_id = :u AND started_at > :a AND started_at < :b"),
                {"u": flooder.user_id, "a": asked, "b": began},
            )
        ).scalar_one()
        waiting = (await conn.execute(PENDING_OF, {"u": flooder.user_id})).scalar_one()
    print(
        f"\nanother user's job waited for {overtook} of the flood's jobs "
        f"({(began - asked).total_seconds() * 1000:.0f} ms; window {window}, {waiting} still waiting)"
    )
    assert waiting > 1000, "the flood was still there"
    assert overtook <= 2 * window, "the other user's job waited at most about one window of the flood"


async def test_a_chain_runs_in_order_and_a_failed_dependency_cancels_its_dependents(
    services: ServiceSet, admin: Account, http: httpx.AsyncClient, engine: AsyncEngine, settings: Settings
) -> None:
    start(services, *PIPELINE, "maintenance")
    await services.wait_api()
    first = await post_job(http, services, "/api/jobs/cleanup", {}, admin.headers)
    second = await post_job(http, services, "/api/jobs/sync-metrics", {"dependsOn": [first]}, admin.headers)
    done_first = await wait_terminal(http, services, first, admin.headers)
    done_second = await wait_terminal(http, services, second, admin.headers)
    assert (done_first["status"], done_second["status"]) == ("COMPLETED", "COMPLETED")
    assert done_second["startedAt"] > done_first["completedAt"]

    # A job that fails for good (its site is gone), and one that depends on it.
    store = JobStore(engine, Topics(settings.topic_prefix))
    lost_site = NewJob(JobType.SYNC_METRICS, {"siteId": str(uuid.uuid4())}, 4, 1, user_id=admin.user_id)
    doomed = str((await store.enqueue(lost_site))[0])
    after = await post_job(http, services, "/api/jobs/cleanup", {"dependsOn": [doomed]}, admin.headers)
    assert (await wait_terminal(http, services, doomed, admin.headers))["status"] == "FAILED"
    job = await wait_terminal(http, services, after, admin.headers)
    assert job["status"] == "CANCELLED" and job["error"] == f"dependency {doomed} ended FAILED"
    assert job["startedAt"] is None


async def test_a_consumer_killed_while_retries_wait_in_a_delay_topic_loses_none_and_runs_none_early(
    services: ServiceSet, engine: AsyncEngine, http: httpx.AsyncClient, settings: Settings
) -> None:
    from tests.fakes.anthropic_server import FakeAnthropicServer, overloaded

    owner = await make_account(engine)
    sites = []
    async with engine.begin() as conn:
        for _ in range(8):
            site, crawl = uuid.uuid4(), uuid.uuid4()
            sites.append(site)
            await conn.execute(SITE, {"s": site, "u": owner.user_id})
            await conn.execute(PAGE, {"s": site, "c": crawl})
            await conn.execute(ISSUE, {"s": site, "c": crawl})
    with FakeAnthropicServer() as fake:
        fake.script(*[overloaded(retry_after="1") for _ in range(8)])  # every first attempt fails
        start(services, *PIPELINE)
        env: dict[str, Any] = {
            "ANTHROPIC_API_KEY": "sk-test",
            "ANTHROPIC_BASE_URL": fake.base_url,
            "SEOJOBS_ANTHROPIC_MAX_RETRIES": 0,
            "SEOJOBS_RETRY_DELAYS_BY_TYPE_S": '{"ANALYZE_SITE": [6, 6]}',
        }
        services.start("analyzer", **env)
        await services.wait_api()
        ids = [
            await post_job(http, services, "/api/jobs/analysis", {"siteId": str(s)}, owner.headers)
            for s in sites
        ]

        async def all_waiting() -> bool:
            jobs = [await job_status(http, services, j, owner.headers) for j in ids]
            return all(j["status"] == "PENDING" and j["attempts"] == 1 for j in jobs)

        await wait_for(all_waiting, 60, "every job to wait for its retry", services.log_tail)
        services.kill("analyzer", sig=signal.SIGKILL)
        services.start("analyzer", 1, **env)
        finished = await asyncio.gather(*(wait_terminal(http, services, j, owner.headers, 90) for j in ids))
    assert [j["status"] for j in finished] == ["COMPLETED"] * 8
    events = await events_of(settings, set(ids))
    lateness = []
    for job_id in ids:
        mine = [e for e in events if e["job_id"] == job_id]
        due = [
            datetime.fromisoformat(str(e["payload"]["due_at"]))
            for e in mine
            if e["event_type"] == "job.retry_scheduled"
        ]
        second = [
            datetime.fromisoformat(str(e["occurred_at"]))
            for e in mine
            if e["event_type"] == "job.started" and e["attempt"] == 2
        ]
        assert due and second and min(second) >= due[0], "no retry starts before it is due"
        assert sum(e["event_type"] == "job.completed" for e in mine) == 1
        lateness.append((min(second) - due[0]).total_seconds())
    print(
        f"\nretry start lateness across a killed consumer: p50 {statistics.median(lateness) * 1000:.0f} ms, "
        f"max {max(lateness) * 1000:.0f} ms (includes the 10 s session timeout when the partition moved)"
    )
