"""The pipeline's promises under faults: a killed worker, a stopped broker, two workers."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.domain.topics import Topics
from seojobs.settings import Settings
from tests.e2e.conftest import Account
from tests.e2e.jobs_http import job_status, post_job, wait_terminal
from tests.support.services import ServiceSet, group_settled, wait_for
from tests.support.stack import broker_control
from tests.support.topics_io import read_json

pytestmark = pytest.mark.e2e

#: Expired rollbacks the slow cleanup deletes, 50 per batch: long enough to be killed mid-run.
SLOW_ROWS, SLOW_BATCH = 40000, 50


async def events_of(settings: Settings, job_ids: set[str]) -> list[dict[str, Any]]:
    """Every job event of these jobs on the job-event topic, read from the beginning."""
    events = await read_json(settings.kafka_bootstrap_servers, Topics(settings.topic_prefix).job_events)
    return [e for e in events if e.get("job_id") in job_ids]


async def test_worker_killed_mid_run_is_redelivered_and_completes_once(
    services: ServiceSet, engine: AsyncEngine, admin: Account, http: httpx.AsyncClient, settings: Settings
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(f"""
            INSERT INTO rollbacks (created_at, expires_at) SELECT now() - interval '200 days',
                   now() - interval '1 day' FROM generate_series(1, {SLOW_ROWS});
            INSERT INTO rollbacks (created_at, expires_at) VALUES (now(), now() + interval '9 days')""")
        )
    for name in ("api", "relay", "projector"):
        services.start(name)
    services.start("maintenance", SEOJOBS_MAINTENANCE_BATCH_SIZE=SLOW_BATCH)
    await services.wait_api()
    job_id = await post_job(http, services, "/api/jobs/cleanup", {"daysOld": 90}, admin.headers)

    async def mid_run() -> bool:
        async with engine.connect() as conn:
            left = (await conn.execute(text("SELECT count(*) FROM rollbacks"))).scalar_one()
        return bool(1 < left < SLOW_ROWS - 2 * SLOW_BATCH)

    await wait_for(mid_run, 60, "the cleanup to be part-way", services.log_tail, every_s=0.02)
    services.kill("maintenance", sig=signal.SIGKILL)
    assert (await job_status(http, services, job_id, admin.headers))["status"] == "PROCESSING"
    services.start("maintenance", 1)
    job = await wait_terminal(http, services, job_id, admin.headers, timeout_s=120)

    assert job["status"] == "COMPLETED", job
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM rollbacks"))).scalar_one() == 1
        stored = (
            await conn.execute(text("SELECT count(*) FROM job_results WHERE job_id = :j"), {"j": job_id})
        ).scalar_one()
    assert stored == 1
    kinds = Counter(e["event_type"] for e in await events_of(settings, {job_id}))
    assert kinds["job.completed"] == 1, kinds
    assert kinds["job.started"] == 2, "the killed run and the redelivered one both started"


async def test_broker_stopped_during_enqueue_loses_nothing(
    services: ServiceSet, engine: AsyncEngine, admin: Account, http: httpx.AsyncClient
) -> None:
    for name in ("api", "relay", "projector", "maintenance"):
        services.start(name)
    await services.wait_api()
    first = await post_job(http, services, "/api/jobs/sync-metrics", {}, admin.headers)
    assert (await wait_terminal(http, services, first, admin.headers))["status"] == "COMPLETED"

    broker = broker_control()
    await asyncio.to_thread(broker.stop)
    try:
        ids = [await post_job(http, services, "/api/jobs/sync-metrics", {}, admin.headers) for _ in range(25)]
        async with engine.connect() as conn:
            waiting = (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
        assert waiting >= 25, "with Kafka down the events wait in the outbox"
    finally:
        await asyncio.to_thread(broker.start)
    finished = await asyncio.gather(*(wait_terminal(http, services, j, admin.headers, 180) for j in ids))
    assert [j["status"] for j in finished] == ["COMPLETED"] * 25
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one() == 0


async def test_two_workers_of_one_service_share_the_load(
    services: ServiceSet, engine: AsyncEngine, admin: Account, http: httpx.AsyncClient, settings: Settings
) -> None:
    for name in ("api", "relay", "projector"):
        services.start(name)
    services.start("maintenance", 0)
    services.start("maintenance", 1)
    await services.wait_api()
    group = f"{settings.topic_prefix}seojobs-maintenance"

    async def both_assigned() -> bool:
        return await group_settled(settings.kafka_bootstrap_servers, group, 2)

    await wait_for(
        both_assigned, 60, "both workers to own partitions of the consumer group", services.log_tail, 0.5
    )
    ids = [await post_job(http, services, "/api/jobs/sync-metrics", {}, admin.headers) for _ in range(60)]
    finished = await asyncio.gather(*(wait_terminal(http, services, j, admin.headers) for j in ids))
    assert all(j["status"] == "COMPLETED" for j in finished)
    started = [e for e in await events_of(settings, set(ids)) if e["event_type"] == "job.started"]
    by_worker = Counter(str(e["payload"]["worker"]) for e in started)
    assert len(by_worker) == 2, by_worker
    assert sum(by_worker.values()) == 60, "each job started exactly once"
