"""The dead-letter ingester against the real Kafka and PostgreSQL: every record stored once."""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
import uuid
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.kafka.admin import ensure_topics
from seojobs.domain.errors import PermanentError
from seojobs.domain.events import utcnow
from seojobs.domain.jobs import JobType
from seojobs.domain.requests import NewJob, requested_event
from seojobs.domain.topics import Topics, TopicSpec
from seojobs.pipeline.dead_letter_store import UNREADABLE_REASON, DeadLetterIngester, group_id
from seojobs.pipeline.dead_letters import dead_letter_record
from seojobs.settings import Settings
from tests.support.services import ROOT, settings_env

pytestmark = pytest.mark.integration

#: Bytes that are not even JSON.
GARBAGE = b"\x00\xff{not json"


def _permanent_failure() -> PermanentError:
    try:
        raise PermanentError("site 42 does not exist")
    except PermanentError as exc:
        return exc


async def produce_dead_letters(settings: Settings) -> tuple[str, list[bytes]]:
    """Put a worker's dead letter, two garbage records and an invalid message's one on the topic."""
    topics = Topics(settings.topic_prefix)
    await ensure_topics(settings.kafka_bootstrap_servers, [TopicSpec(topics.dead_letter, 3)])
    job = NewJob(JobType.SYNC_METRICS, {"siteId": str(uuid.uuid4())}, priority=4, max_attempts=3)
    work_topic = "maintenance.requested.medium"
    history = [{"attempt": 1, "error": "site 42 does not exist", "type": "PermanentError"}]
    values = [
        dead_letter_record(
            requested_event(job, utcnow()).encode(),
            "site 42 does not exist",
            work_topic,
            2,
            17,
            "worker",
            exc=_permanent_failure(),
            history=history,
        ),
        GARBAGE,
        b"[1, 2, 3]",
        dead_letter_record(b"\xffbad", "message is not valid JSON: x", work_topic, 0, 5, "worker"),
    ]
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all")
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topics.dead_letter, value)
    finally:
        await producer.stop()
    return str(job.job_id), values


async def stored(engine: AsyncEngine) -> list[dict[str, Any]]:
    """Every stored dead letter, oldest position first."""
    async with engine.connect() as conn:
        rows = (
            (await conn.execute(text("SELECT * FROM dead_letters ORDER BY dlq_partition, dlq_offset")))
            .mappings()
            .all()
        )
    return [dict(r) for r in rows]


async def test_ingester_stores_every_record_once_with_its_fields(
    settings: Settings, engine: AsyncEngine
) -> None:
    job_id, _ = await produce_dead_letters(settings)
    topics = Topics(settings.topic_prefix)
    ingester = DeadLetterIngester(
        engine, settings.kafka_bootstrap_servers, topics.dead_letter, group_id(settings.topic_prefix)
    )
    assert await asyncio.wait_for(ingester.run(drain=True), 60) == 4

    rows = await stored(engine)
    assert len(rows) == 4
    real = next(r for r in rows if r["job_id"] is not None and r["error_type"] == "PermanentError")
    assert str(real["job_id"]) == job_id and real["job_type"] == "SYNC_METRICS"
    assert real["reason"] == "site 42 does not exist" and real["component"] == "worker"
    assert "PermanentError: site 42 does not exist" in real["stack"]
    assert "_permanent_failure" in real["stack"], "the stack names the frame that raised"
    assert (real["source_topic"], real["source_partition"], real["source_offset"]) == (
        "maintenance.requested.medium",
        2,
        17,
    )
    assert real["attempts"][0]["type"] == "PermanentError"
    assert real["original"]["event_type"] == "job.requested"

    unreadable = [r for r in rows if r["reason"] == UNREADABLE_REASON]
    assert len(unreadable) == 2
    assert {base64.b64decode(r["original_base64"]) for r in unreadable} == {GARBAGE, b"[1, 2, 3]"}
    assert all(r["job_id"] is None and r["source_topic"] == topics.dead_letter for r in unreadable)
    assert all(
        (r["source_partition"], r["source_offset"]) == (r["dlq_partition"], r["dlq_offset"])
        for r in unreadable
    )

    invalid = next(r for r in rows if r["error_type"] == "InvalidMessage")
    assert invalid["job_id"] is None and base64.b64decode(invalid["original_base64"]) == b"\xffbad"

    again = DeadLetterIngester(
        engine, settings.kafka_bootstrap_servers, topics.dead_letter, group_id(settings.topic_prefix)
    )
    assert await asyncio.wait_for(again.run(drain=True), 60) == 0, "its group committed the offsets"
    assert len(await stored(engine)) == 4


async def test_projector_service_drains_the_dead_letters_too_and_stores_nothing_twice(
    settings: Settings, engine: AsyncEngine
) -> None:
    await produce_dead_letters(settings)
    topics = Topics(settings.topic_prefix)
    # A first copy under another consumer group: the service's own group then reads every record again.
    other = DeadLetterIngester(engine, settings.kafka_bootstrap_servers, topics.dead_letter, "other-group")
    assert await asyncio.wait_for(other.run(drain=True), 60) == 4
    before = await stored(engine)

    proc = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "services.projector", "--drain"],
        cwd=ROOT,
        env={**os.environ, **settings_env(settings)},
        capture_output=True,
        timeout=90,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    after = await stored(engine)
    assert [r["id"] for r in after] == [r["id"] for r in before], "no record was stored twice"
    assert b"dead letter" in proc.stderr, "the service's ingester logged the records it read"
