"""Poison, oversized and unknown-version events from a foreign client: dead-lettered, the rest flows."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.domain.events import SCHEMA_VERSION
from seojobs.domain.jobs import Service
from seojobs.domain.lanes import Lane
from seojobs.settings import Settings
from tests.chaos.streams import Stream, as_json, dead_letters_of
from tests.support.services import ServiceSet, wait_for
from tests.support.topics_io import produce_raw, read_json

pytestmark = pytest.mark.e2e

#: Jobs of the stream the bad records are mixed into.
STREAM = 2000
#: Size of the oversized record: under the broker's 1 MiB limit, far over anything the code makes.
OVERSIZED_BYTES = 900_000


def bad_records() -> dict[str, tuple[bytes, bytes]]:
    """Three records a foreign producer might send: garbage, a huge blob, a future schema version."""
    job_id = str(uuid.uuid4())
    envelope = {
        "event_type": "job.requested",
        "job_id": job_id,
        "job_type": "NOOP",
        "attempt": 0,
        "seq": 0,
        "event_id": str(uuid.uuid4()),
        "occurred_at": "2026-01-01T00:00:00+00:00",
        "payload": {"type": "NOOP", "payload": {}},
    }
    return {
        "poison": (b"poison", b"\x00\xffnot json at all{"),
        "oversized": (b"oversized", as_json({**envelope, "junk": "x" * OVERSIZED_BYTES})),
        "version": (job_id.encode(), as_json({**envelope, "schema_version": SCHEMA_VERSION + 98})),
    }


async def test_bad_events_are_dead_lettered_with_a_reason_and_the_stream_flows_on(
    services: ServiceSet, stream: Stream, engine: AsyncEngine, settings: Settings
) -> None:
    for name in ("relay", "projector", "maintenance"):
        services.start(name)
    await stream.enqueue(engine, STREAM // 2)
    await stream.wait_done(engine, STREAM // 4)
    bad = bad_records()
    bootstrap, topics = settings.kafka_bootstrap_servers, stream.topics
    work = topics.requested(Service.MAINTENANCE, Lane.MEDIUM)
    for topic in (work, topics.job_events):
        await produce_raw(bootstrap, topic, list(bad.values()))
    await stream.enqueue(engine, STREAM // 2)
    await stream.wait_all_done(engine)

    letters: list[dict[str, object]] = []

    async def six_letters() -> bool:
        letters[:] = await read_json(bootstrap, topics.dead_letter)
        return len(letters) >= 2 * len(bad)

    await wait_for(six_letters, 60, "the bad records on the dead-letter topic", services.log_tail, 0.5)
    assert len(letters) == 2 * len(bad), letters
    for component, topic in (("worker", work), ("projector", topics.job_events)):
        mine = dead_letters_of(letters, component)
        assert len(mine) == len(bad), mine
        assert all(m["reason"] and m["source"]["topic"] == topic for m in mine)
        reasons = " | ".join(str(m["reason"]) for m in mine)
        assert "not valid JSON" in reasons and "unknown schema version" in reasons, reasons
    await stream.check(engine)
