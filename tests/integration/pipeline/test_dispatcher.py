"""The dispatcher's fair order, on the real database: one user's flood does not hold back another's job."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db import accounts
from seojobs.adapters.kafka.admin import ensure_topics
from seojobs.domain.jobs import JobType
from seojobs.domain.topics import Topics
from seojobs.pipeline.dispatcher import Dispatcher, chunk_of
from seojobs.pipeline.relay import OutboxRelay
from seojobs.queue_service import QueueService
from seojobs.settings import Settings
from tests.support.topics_io import read_json

pytestmark = pytest.mark.integration


async def _enqueue(queue: QueueService, engine: AsyncEngine, owner: uuid.UUID, count: int) -> list[str]:
    ids = []
    async with engine.begin() as conn:
        for _ in range(count):
            job = queue.build(JobType.SYNC_METRICS, {}, priority=4, user_id=owner)
            ids.append(str((await queue.submit_in(conn, job)).job_id))
    return ids


async def _finish(engine: AsyncEngine, job_ids: list[str]) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE jobs SET status = 'COMPLETED', completed_at = now() WHERE id = ANY(:ids)"),
            {"ids": [uuid.UUID(j) for j in job_ids]},
        )


@pytest.fixture
def queue(engine: AsyncEngine, settings: Settings) -> QueueService:
    return QueueService(engine, Topics(settings.topic_prefix))


async def _users(engine: AsyncEngine, count: int) -> list[uuid.UUID]:
    return [await accounts.create_user(engine, f"user{i}@example.com", plan="pro") for i in range(count)]


async def test_a_round_with_room_for_one_job_serves_the_user_with_nothing_in_flight(
    engine: AsyncEngine, settings: Settings, queue: QueueService
) -> None:
    flooder, other = await _users(engine, 2)
    flood = await _enqueue(queue, engine, flooder, 20)
    dispatcher = Dispatcher(engine, Topics(settings.topic_prefix), window=4)
    first = [r.job_id for r in await dispatcher.dispatch()]
    assert first == flood[:4], "a full window of the flood, oldest first"

    single = (await _enqueue(queue, engine, other, 1))[0]  # newer than every waiting flood job
    await _finish(engine, first[:1])  # one slot frees: the next round has room for one job
    assert [r.job_id for r in await dispatcher.dispatch()] == [single]
    await _finish(engine, first[1:2])
    assert [r.job_id for r in await dispatcher.dispatch()] == [flood[4]], "then the flood again"


async def test_users_with_equal_shares_in_flight_are_served_oldest_first(
    engine: AsyncEngine, settings: Settings, queue: QueueService
) -> None:
    a, b = await _users(engine, 2)
    a_jobs = await _enqueue(queue, engine, a, 3)
    b_jobs = await _enqueue(queue, engine, b, 3)
    released = [
        r.job_id for r in await Dispatcher(engine, Topics(settings.topic_prefix), window=4).dispatch()
    ]
    assert released == [a_jobs[0], b_jobs[0], a_jobs[1], b_jobs[1]]


async def test_a_busy_lane_waits_for_a_chunk_of_room_and_an_idle_lane_releases_at_once(
    engine: AsyncEngine, settings: Settings, queue: QueueService
) -> None:
    (owner,) = await _users(engine, 1)
    jobs = await _enqueue(queue, engine, owner, 40)
    dispatcher = Dispatcher(engine, Topics(settings.topic_prefix), window=16)
    assert chunk_of(16) == 2
    first = [r.job_id for r in await dispatcher.dispatch()]
    assert first == jobs[:16]
    await _finish(engine, first[:1])
    assert await dispatcher.dispatch() == [], "room for one job in a busy lane: not worth a round"
    await _finish(engine, first[1:2])
    assert [r.job_id for r in await dispatcher.dispatch()] == jobs[16:18]
    await _finish(engine, [*first[2:], *jobs[16:18]])
    assert [r.job_id for r in await dispatcher.dispatch()] == jobs[18:34], "an idle lane fills its window"


async def test_with_the_relays_producer_work_messages_go_to_kafka_after_the_jobs_requests(
    engine: AsyncEngine, settings: Settings, queue: QueueService
) -> None:
    topics = Topics(settings.topic_prefix)
    await ensure_topics(settings.kafka_bootstrap_servers, topics.all_specs(settings.retry_steps))
    (owner,) = await _users(engine, 1)
    jobs = await _enqueue(queue, engine, owner, 3)
    relay = OutboxRelay(engine, settings.kafka_bootstrap_servers, "unused", dispatcher=None)
    await relay.producer.start()
    try:
        dispatcher = Dispatcher(engine, topics, window=16)
        assert await dispatcher.dispatch(relay.producer) == [], "job.requested not published yet: wait"
        assert await relay.publish_batch() == 3
        released = await dispatcher.dispatch(relay.producer)
    finally:
        await relay.producer.stop()
    assert sorted(r.job_id for r in released) == sorted(jobs)
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one() == 0, (
            "not via the outbox"
        )
        dispatched = (
            await conn.execute(text("SELECT count(*) FROM jobs WHERE dispatched_at IS NOT NULL"))
        ).scalar_one()
    assert dispatched == 3
    lane = released[0].topic
    work = await read_json(settings.kafka_bootstrap_servers, lane)
    assert sorted(m["job_id"] for m in work) == sorted(jobs)
