"""The leased job runner against the real PostgreSQL and Kafka: admit, hold, take, fence, cancel."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.kafka.admin import ensure_topics
from seojobs.adapters.kafka.producer import make_producer
from seojobs.domain.jobs import JobType
from seojobs.domain.requests import requested_event
from seojobs.domain.topics import Topics
from seojobs.pipeline.emitter import Emitter
from seojobs.pipeline.lease_watch import LeaseWatch
from seojobs.pipeline.leases import LeaseStore
from seojobs.pipeline.runner import JobRunner, Origin, RunnerConfig
from seojobs.pipeline.slots import LaneSlots
from seojobs.ports.worker import JobContext
from seojobs.queue_service import QueueService
from seojobs.settings import Settings
from tests.support.services import wait_for
from tests.support.topics_io import read_json

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

CONFIG = RunnerConfig(
    retry_delays_s=(1.0,),
    time_limits_s={},
    default_time_limit_s=30.0,
    default_max_attempts=3,
    heartbeat_s=0.2,
    hold_after_s=0.0,
)
SERVICE = "test-maintenance"

Handler = Callable[[JobContext], Awaitable[dict[str, Any]]]


@pytest.fixture
async def emitter(settings: Settings) -> AsyncIterator[Emitter]:
    """An emitter on this test's topics."""
    topics = Topics(settings.topic_prefix, 2)
    await ensure_topics(settings.kafka_bootstrap_servers, topics.all_specs(settings.retry_steps))
    producer = make_producer(settings.kafka_bootstrap_servers)
    await producer.start()
    emitter = Emitter(producer, topics)
    try:
        yield emitter
    finally:
        await emitter.producer.stop()


async def _enqueue(engine: AsyncEngine, settings: Settings, n: int) -> list[bytes]:
    """n SYNC_METRICS jobs in the database; their job.requested messages as a worker gets them."""
    queue = QueueService(engine, Topics(settings.topic_prefix))
    jobs = [queue.build(JobType.SYNC_METRICS, {}) for _ in range(n)]
    async with engine.begin() as conn:
        for job in jobs:
            await queue.submit_in(conn, job)
    return [requested_event(job, datetime.now(UTC)).encode() for job in jobs]


def _runner(engine: AsyncEngine, emitter: Emitter, handler: Handler, *, slots: int, worker: str) -> JobRunner:
    runner = JobRunner(
        engine,
        emitter,
        emitter.topics,
        {JobType.SYNC_METRICS: handler},
        CONFIG,
        leases=LeaseStore(engine, worker, SERVICE),
        slots=LaneSlots(slots),
    )
    runner.start()
    return runner


def _sleeper(started: asyncio.Event) -> Handler:
    """A handler that says it started, then sleeps for 30 s."""

    async def handler(ctx: JobContext) -> dict[str, Any]:
        started.set()
        await asyncio.sleep(30)
        return {}

    return handler


async def _events(settings: Settings, job_id: str) -> list[str]:
    events = await read_json(settings.kafka_bootstrap_servers, Topics(settings.topic_prefix).job_events)
    return [
        e["event_type"]
        for e in sorted((e for e in events if e.get("job_id") == job_id), key=lambda e: int(e["seq"]))
    ]


async def _count(engine: AsyncEngine, sql: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one())


def _origin(emitter: Emitter, offset: int) -> Origin:
    return Origin(emitter.topics.job_events, 0, offset)


async def test_admission_runs_each_job_once_and_a_repeat_is_harmless(
    engine: AsyncEngine, settings: Settings, emitter: Emitter
) -> None:
    calls: list[str] = []

    async def handler(ctx: JobContext) -> dict[str, Any]:
        calls.append(str(ctx.job_id))
        return {"ok": True}

    runner = _runner(engine, emitter, handler, slots=2, worker="w1")
    try:
        first, second = await _enqueue(engine, settings, 2)
        assert await runner.admit(first, _origin(emitter, 1)) == "started"
        assert await runner.admit(first, _origin(emitter, 2)) == "elsewhere", "a duplicate is skipped"
        assert await runner.admit(b"\xffnot json", _origin(emitter, 3)) == "invalid"
        assert await runner.admit(second, _origin(emitter, 4)) == "started"
        await runner.pool.wait_idle()
        assert len(calls) == 2 and len(set(calls)) == 2
        assert await _count(engine, "SELECT count(*) FROM job_results") == 2
        # A redelivery after the run: the stored result is reported again, nothing runs again.
        assert await runner.admit(first, _origin(emitter, 1)) == "stored"
        assert len(calls) == 2
        await wait_for(lambda: _leases_gone(engine), 5, "finished leases released")
        job_id = json.loads(first)["job_id"]
        assert (await _events(settings, job_id))[:2] == ["job.started", "job.completed"]
    finally:
        await runner.stop()


async def _leases_gone(engine: AsyncEngine) -> bool:
    return await _count(engine, "SELECT count(*) FROM job_leases") == 0


async def test_a_busy_worker_holds_a_job_and_a_free_worker_takes_it(
    engine: AsyncEngine, settings: Settings, emitter: Emitter
) -> None:
    release = asyncio.Event()
    ran_by: dict[str, str] = {}

    def handler_of(worker: str) -> Handler:
        async def handler(ctx: JobContext) -> dict[str, Any]:
            ran_by[str(ctx.job_id)] = worker
            if worker == "busy":
                await release.wait()
            return {"by": worker}

        return handler

    busy = _runner(engine, emitter, handler_of("busy"), slots=1, worker="busy")
    try:
        long_job, short_job = await _enqueue(engine, settings, 2)
        assert await busy.admit(long_job, _origin(emitter, 1)) == "started"
        assert await busy.admit(short_job, _origin(emitter, 2)) == "held", "no slot: held for anyone"
        free = _runner(engine, emitter, handler_of("free"), slots=2, worker="free")
        try:
            short_id = json.loads(short_job)["job_id"]
            # The free worker's heartbeat takes the held job: it does not wait behind the long one.
            await wait_for(lambda: _has_result(engine, short_id), 5, "held job taken by the free worker")
            assert ran_by[short_id] == "free"
            assert not release.is_set()
        finally:
            release.set()
            await busy.pool.wait_idle()
            await free.stop()
    finally:
        await busy.stop()
    assert await _count(engine, "SELECT count(*) FROM job_results") == 2


async def _has_result(engine: AsyncEngine, job_id: str) -> bool:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT 1 FROM job_results WHERE job_id = CAST(:id AS uuid)"), {"id": job_id}
            )
        ).first()
    return row is not None


async def test_a_run_whose_lease_is_taken_away_stops_and_reports_nothing(
    engine: AsyncEngine, settings: Settings, emitter: Emitter
) -> None:
    started = asyncio.Event()
    stopped = asyncio.Event()

    async def handler(ctx: JobContext) -> dict[str, Any]:
        started.set()
        try:
            await asyncio.sleep(30)
        finally:
            stopped.set()
        return {"late": True}

    runner = _runner(engine, emitter, handler, slots=1, worker="stale")
    try:
        (message,) = await _enqueue(engine, settings, 1)
        assert await runner.admit(message, _origin(emitter, 1)) == "started"
        await asyncio.wait_for(started.wait(), 5)
        async with engine.begin() as conn:  # as the dispatcher does when it restarts the job
            await conn.execute(text("UPDATE job_leases SET worker = 'someone-else', attempt = attempt + 1"))
        await asyncio.wait_for(stopped.wait(), 3)
        await runner.pool.wait_idle()
        job_id = json.loads(message)["job_id"]

        async def started_on_topic() -> bool:  # a new topic's leader may still be being elected
            return bool(await _events(settings, job_id))

        await wait_for(started_on_topic, 15, "job.started on the topic")
        await asyncio.sleep(0.5)
        assert await _events(settings, job_id) == ["job.started"], "a fenced run publishes nothing more"
        assert await _count(engine, "SELECT count(*) FROM job_results") == 0
    finally:
        await runner.stop()


async def test_cancelling_a_running_job_stops_it_within_two_seconds(
    engine: AsyncEngine, settings: Settings, emitter: Emitter
) -> None:
    started = asyncio.Event()
    # The handler reaches no checkpoint: the heartbeat notices the request.
    runner = _runner(engine, emitter, _sleeper(started), slots=1, worker="w")
    try:
        (message,) = await _enqueue(engine, settings, 1)
        job_id = json.loads(message)["job_id"]
        assert await runner.admit(message, _origin(emitter, 1)) == "started"
        await asyncio.wait_for(started.wait(), 5)
        async with engine.begin() as conn:
            await conn.execute(
                text("UPDATE jobs SET cancel_requested_at = now() WHERE id = CAST(:id AS uuid)"),
                {"id": job_id},
            )
        loop = asyncio.get_running_loop()
        asked = loop.time()
        await asyncio.wait_for(runner.pool.wait_idle(), 5)
        assert loop.time() - asked < 2.0
        assert (await _events(settings, job_id))[-1] == "job.cancelled"
    finally:
        await runner.stop()


async def test_a_stopping_worker_hands_its_running_leases_back(
    engine: AsyncEngine, settings: Settings, emitter: Emitter
) -> None:
    started = asyncio.Event()
    runner = _runner(engine, emitter, _sleeper(started), slots=1, worker="leaving")
    (message,) = await _enqueue(engine, settings, 1)
    assert await runner.admit(message, _origin(emitter, 1)) == "started"
    await asyncio.wait_for(started.wait(), 5)
    await runner.stop()
    async with engine.connect() as conn:
        beat = (
            await conn.execute(text("SELECT extract(epoch FROM heartbeat_at) FROM job_leases"))
        ).scalar_one()
    assert float(beat) == 0.0, "stale at once: the dispatcher restarts it without waiting"
    assert await _count(engine, "SELECT count(*) FROM job_results") == 0


async def test_a_first_attempt_whose_worker_stopped_restarts_from_its_jobs_row(
    engine: AsyncEngine, settings: Settings, emitter: Emitter
) -> None:
    started = asyncio.Event()
    runner = _runner(engine, emitter, _sleeper(started), slots=1, worker="gone")
    (message,) = await _enqueue(engine, settings, 1)
    job_id = json.loads(message)["job_id"]
    assert await runner.admit(message, _origin(emitter, 1)) == "started"
    await asyncio.wait_for(started.wait(), 5)
    assert await _count(engine, "SELECT count(*) FROM job_leases WHERE request IS NULL") == 1, (
        "a running first attempt's lease does not carry its message"
    )
    await runner.stop()
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM outbox"))
    assert await LeaseWatch(engine, emitter.topics, stale_after_s=5.0).restart_stale() == 1
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT value FROM outbox ORDER BY id"))).all()
    (work,) = [m for m in map(json.loads, (row.value for row in rows)) if m["event_type"] == "job.requested"]
    sent = json.loads(message)
    assert work["job_id"] == job_id and work["attempt"] == 1, "the next attempt"
    assert {k: work["payload"][k] for k in ("type", "payload", "priority", "series")} == {
        k: sent["payload"][k] for k in ("type", "payload", "priority", "series")
    }
    assert work["payload"]["restarts"] == 1
    assert work["payload"]["max_attempts"] == sent["payload"]["max_attempts"] + 1
