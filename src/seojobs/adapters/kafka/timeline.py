"""A job's event timeline, read back from the job-event topic (from the job's creation onward)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from seojobs.adapters.kafka.admin import KafkaUnavailable
from seojobs.adapters.kafka.connect import KafkaTarget, bootstrap_of, client_kwargs
from seojobs.adapters.kafka.lag import partitions
from seojobs.domain.errors import ValidationFailed
from seojobs.domain.events import decode_event

#: Most seconds one timeline read may take (a busy topic is cut short, and says so).
TIMELINE_BUDGET_S = 3.0
#: Records fetched per poll.
FETCH_RECORDS = 5000
#: Start reading this long before the job's creation, ms (clocks of API and broker differ a little).
CLOCK_SKEW_MS = 5000
#: Payload fields a timeline entry keeps (results can be large; the job row has them).
KEPT_FIELDS = (
    "progress",
    "message",
    "error",
    "reason",
    "due_at",
    "worker",
    "topic",
    "partition",
    "type",
    "priority",
)


@dataclass(frozen=True)
class Timeline:
    """A job's events in topic order, and whether the read stopped before the topic's end."""

    events: list[dict[str, Any]]
    truncated: bool


def _entry(raw: bytes | None, offset: int, partition: int) -> dict[str, Any] | None:
    try:
        event = decode_event(raw)
    except ValidationFailed:
        return None
    details = {k: event.payload[k] for k in KEPT_FIELDS if k in event.payload}
    return {
        "event": event.event_type.value,
        "seq": event.seq,
        "attempt": event.attempt,
        "at": event.occurred_at,
        "partition": partition,
        "offset": offset,
        "details": details,
    }


async def _at_end(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return False
    return True


async def job_timeline(bootstrap: KafkaTarget, topic: str, job_id: str, created_at: datetime) -> Timeline:
    """Every event of one job on ``topic`` since it was created."""
    consumer = AIOKafkaConsumer(
        **client_kwargs(bootstrap), enable_auto_commit=False, max_poll_records=FETCH_RECORDS
    )
    key = job_id.encode()
    events: list[dict[str, Any]] = []
    try:
        await consumer.start()
        tps = (await partitions(consumer, {topic}))[topic]
        if not tps:
            return Timeline([], False)
        consumer.assign(tps)
        since_ms = int(created_at.timestamp() * 1000) - CLOCK_SKEW_MS
        starts = await consumer.offsets_for_times(dict.fromkeys(tps, since_ms))
        ends = await consumer.end_offsets(tps)
        for tp in tps:
            found = starts.get(tp)
            consumer.seek(tp, found.offset if found is not None else ends[tp])
        deadline = time.monotonic() + TIMELINE_BUDGET_S
        while time.monotonic() < deadline:
            if await _at_end(consumer, ends):
                return Timeline(sorted(events, key=lambda e: e["seq"]), False)
            batch = await consumer.getmany(timeout_ms=200, max_records=FETCH_RECORDS)
            for tp, records in batch.items():
                for r in records:
                    entry = _entry(r.value, r.offset, tp.partition) if r.key == key else None
                    if entry is not None and r.offset < ends[tp]:
                        events.append(entry)
        return Timeline(sorted(events, key=lambda e: e["seq"]), True)
    except KafkaError as exc:
        raise KafkaUnavailable(f"Kafka at {bootstrap_of(bootstrap)} did not answer: {exc}") from exc
    finally:
        await consumer.stop()
