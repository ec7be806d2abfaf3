"""The job runner on a batch of messages, against the real PostgreSQL and Kafka."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.kafka.admin import ensure_topics
from seojobs.adapters.kafka.producer import make_producer
from seojobs.domain.events import STARTED_STEP, TERMINAL_STEP, event_seq
from seojobs.domain.jobs import JobType
from seojobs.domain.requests import requested_event
from seojobs.domain.topics import Topics
from seojobs.pipeline.emitter import Emitter
from seojobs.pipeline.runner import JobRunner, Origin, RunnerConfig
from seojobs.pipeline.slots import LaneSlots
from seojobs.ports.worker import JobContext
from seojobs.queue_service import QueueService
from seojobs.settings import Settings
from tests.support.topics_io import read_json

CONFIG = RunnerConfig(retry_delays_s=(1.0,), time_limits_s={}, default_time_limit_s=30.0,
                      default_max_attempts=3)


@pytest.fixture
async def emitter(settings: Settings) -> AsyncIterator[Emitter]:
    """An emitter on this test's topics."""
    topics = Topics(settings.topic_prefix)
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


async def _events(settings: Settings, ids: set[str]) -> list[dict[str, Any]]:
    """The jobs' events on the job-event topic, in the order they were made."""
    events = await read_json(settings.kafka_bootstrap_servers, Topics(settings.topic_prefix).job_events)
    return sorted((e for e in events if e.get("job_id") in ids), key=lambda e: str(e["occurred_at"]))


def _recording_runner(engine: AsyncEngine, settings: Settings, emitter: Emitter) -> tuple[JobRunner, list[str]]:
    """A runner whose SYNC_METRICS handler records the job ids it ran."""
    calls: list[str] = []

    async def handler(ctx: JobContext) -> dict[str, Any]:
        calls.append(str(ctx.job_id))
        return {"ok": True}

    return JobRunner(engine, emitter, Topics(settings.topic_prefix), {JobType.SYNC_METRICS: handler},
                     CONFIG), calls


async def test_a_batch_runs_each_job_once_reports_in_order_and_repeats_harmlessly(
        engine: AsyncEngine, settings: Settings, emitter: Emitter) -> None:
    runner, calls = _recording_runner(engine, settings, emitter)
    first, second, third = await _enqueue(engine, settings, 3)
    topic = Topics(settings.topic_prefix).job_events
    batch = [(first, Origin(topic, 0, 10)), (first, Origin(topic, 0, 11)),  # a redelivered duplicate
             (b"\xffnot json", Origin(topic, 0, 12)), (second, Origin(topic, 0, 13)),
             (third, Origin(topic, 0, 14))]

    outcomes = await runner.handle_batch_retrying(batch, LaneSlots(2).gate(0))
    assert outcomes == ["completed", "duplicate", "invalid", "completed", "completed"]
    ids = [json.loads(m)["job_id"] for m in (first, second, third)]
    assert sorted(calls) == sorted(ids), "each job ran once"
    async with engine.connect() as conn:
        stored = (await conn.execute(text("SELECT count(*) FROM job_results"))).scalar_one()
    assert stored == 3

    # The same batch again (a redelivery after a crash): results are reported, nothing runs again.
    again = await runner.handle_batch(batch)
    assert again == ["completed", "duplicate", "invalid", "completed", "completed"]
    assert len(calls) == 3
    started = [e["job_id"] for e in await _events(settings, set(ids)) if e["event_type"] == "job.started"]
    assert started == ids, "job.started in offset order, once each"


async def test_a_failing_job_does_not_hold_back_the_others(
        engine: AsyncEngine, settings: Settings, emitter: Emitter) -> None:
    messages = await _enqueue(engine, settings, 2)
    bad = json.loads(messages[0])

    async def handler(ctx: JobContext) -> dict[str, Any]:
        if str(ctx.job_id) == bad["job_id"]:
            raise ValueError("boom")
        return {"ok": True}

    runner = JobRunner(engine, emitter, Topics(settings.topic_prefix), {JobType.SYNC_METRICS: handler},
                       CONFIG)
    topic = Topics(settings.topic_prefix).job_events
    outcomes = await runner.handle_batch([(messages[0], Origin(topic, 1, 0)),
                                          (messages[1], Origin(topic, 1, 1))])
    assert outcomes == ["retry", "completed"]
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT job_id FROM job_results"))).scalars().all()
    assert [str(r) for r in rows] == [json.loads(messages[1])["job_id"]]
    assert uuid.UUID(bad["job_id"]) not in rows


async def test_a_job_whose_message_cannot_run_fails_with_the_reason(
        engine: AsyncEngine, settings: Settings, emitter: Emitter) -> None:
    async def handler(ctx: JobContext) -> dict[str, Any]:
        return {"ok": True}

    runner = JobRunner(engine, emitter, Topics(settings.topic_prefix), {JobType.SYNC_METRICS: handler},
                       CONFIG)
    (message,) = await _enqueue(engine, settings, 1)
    broken = json.loads(message)
    broken["payload"]["payload"] = {"unexpected": 1}  # e.g. written by a foreign producer
    topic = Topics(settings.topic_prefix).job_events
    assert await runner.handle_batch([(json.dumps(broken).encode(), Origin(topic, 2, 0))]) == ["invalid"]

    kinds = {e["event_type"]: e for e in await _events(settings, {broken["job_id"]})}
    assert set(kinds) == {"job.failed", "job.dead_lettered"}, "the job does not wait for ever"
    assert "unexpected" in kinds["job.failed"]["payload"]["error"]


async def test_a_redelivered_message_of_an_attempt_that_already_ended_is_skipped(
        engine: AsyncEngine, settings: Settings, emitter: Emitter) -> None:
    runner, calls = _recording_runner(engine, settings, emitter)
    (message,) = await _enqueue(engine, settings, 1)
    job_id = json.loads(message)["job_id"]
    async with engine.begin() as conn:  # as projected: attempt 1 started, failed, its retry waits
        await conn.execute(text("UPDATE jobs SET attempts = 1, last_seq = :seq WHERE id = :id"),
                           {"seq": event_seq(0, 1, TERMINAL_STEP), "id": uuid.UUID(job_id)})
    topic = Topics(settings.topic_prefix).job_events
    assert await runner.handle_batch([(message, Origin(topic, 2, 0))]) == ["skipped"]
    assert calls == []
    async with engine.begin() as conn:  # mid-attempt (started, not ended): a redelivery runs it again
        await conn.execute(text("UPDATE jobs SET last_seq = :seq WHERE id = :id"),
                           {"seq": event_seq(0, 1, STARTED_STEP), "id": uuid.UUID(job_id)})
    assert await runner.handle_batch([(message, Origin(topic, 2, 0))]) == ["completed"]
    assert calls == [job_id]
