"""The projector: consumes job events and keeps the jobs table, idempotent and in order.

Events are applied in batches, one database transaction per batch; offsets are committed only
after that transaction, so a crash replays events, and replayed events are no-ops (sequence
numbers only move forward). Run from the start of the topic into an empty table, it rebuilds it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs import metrics
from seojobs.adapters.kafka.connect import KafkaTarget, client_kwargs
from seojobs.adapters.kafka.consumer import caught_up
from seojobs.domain.errors import ValidationFailed
from seojobs.domain.events import EventType, JobEvent, decode_event
from seojobs.pipeline.dead_letters import dead_letter_record
from seojobs.pipeline.job_changes import JOBS_CHANNEL, notify_jobs
from seojobs.pipeline.outages import until_done
from seojobs.pipeline.projection_store import apply_batch

log = logging.getLogger("seojobs.projector")

#: Payload fields a job.requested must carry for the projector to create the job's row.
REQUESTED_FIELDS = ("type", "payload", "scheduled_for", "created_at")
#: How long one poll waits for records, ms.
POLL_MS = 200
#: The broker answers a fetch once it has this many bytes for the projector, or after
#: FETCH_MAX_WAIT_MS: under load one fetch, and so one transaction, carries many events instead of
#: one or two (fewer requests for the broker, fewer writes), and a lone event waits at most that long.
FETCH_MIN_BYTES, FETCH_MAX_WAIT_MS = 64 * 1024, 20
__all__ = ["JOBS_CHANNEL", "Projector", "ProjectorStats", "partitions_of"]


@dataclass
class ProjectorStats:
    """What the projector has done since it started."""

    events: int = 0
    changes: int = 0
    batches: int = 0
    rejected: int = 0


class Projector:
    """Applies the job-event topic to the jobs table until stopped (or drained).

    An empty ``dead_letter_topic`` counts rejected events without publishing them (replays).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        bootstrap: KafkaTarget,
        events_topic: str,
        dead_letter_topic: str,
        group_id: str,
        *,
        batch_size: int = 1000,
    ) -> None:
        self.engine = engine
        self.bootstrap = bootstrap
        self.events_topic = events_topic
        self.dead_letter_topic = dead_letter_topic
        self.group_id = group_id
        self.batch_size = batch_size
        self.stats = ProjectorStats()
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Finish the current batch and stop."""
        self._stopping.set()

    def _consumer(self) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            self.events_topic,
            **client_kwargs(self.bootstrap),
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.batch_size,
            isolation_level="read_uncommitted",
            fetch_min_bytes=FETCH_MIN_BYTES,
            fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
        )

    async def run(self, *, drain: bool = False) -> ProjectorStats:
        """Consume until stopped; with ``drain`` stop once caught up with the topic's end."""
        consumer = self._consumer()
        producer = AIOKafkaProducer(**client_kwargs(self.bootstrap), acks="all", enable_idempotence=True)
        await consumer.start()
        await producer.start()
        try:
            while not self._stopping.is_set():
                batch = await consumer.getmany(timeout_ms=POLL_MS, max_records=self.batch_size)
                records = [r for part in batch.values() for r in part]
                if records:
                    await self._apply(records, producer)
                    await consumer.commit()
                elif drain and await caught_up(consumer):
                    break
        finally:
            await consumer.stop()
            await producer.stop()
        return self.stats

    async def _apply(self, records: list, producer: AIOKafkaProducer) -> None:  # type: ignore[type-arg]
        events: list[JobEvent] = []
        for r in records:
            try:
                events.append(checked(decode_event(r.value)))
            except ValidationFailed as exc:
                self.stats.rejected += 1
                log.warning("rejected event at %s[%d]@%d: %s", r.topic, r.partition, r.offset, exc)
                if not self.dead_letter_topic:
                    continue  # a replay: the live projector already dead-lettered it
                await producer.send_and_wait(
                    self.dead_letter_topic,
                    key=r.key,
                    value=dead_letter_record(r.value, str(exc), r.topic, r.partition, r.offset, "projector"),
                )
        changed = await self._store(events)
        metrics.count_events(events)
        self.stats.events += len(events)
        self.stats.changes += changed
        self.stats.batches += 1

    async def _store(self, events: list[JobEvent]) -> int:
        """Apply the events in one transaction, waiting out database outages (a replay is a no-op)."""

        async def step() -> int:
            async with self.engine.begin() as conn:
                changed = await apply_batch(conn, events) if events else 0
                # Every job the batch touched, not only changed rows: a cancel the API wrote itself
                # and a new job's request reach live clients through the projector too.
                await notify_jobs(conn, [e.job_id for e in events])
            return changed

        return await until_done(step, log, "the batch")


def checked(event: JobEvent) -> JobEvent:
    """The event, or ValidationFailed when a job.requested lacks what its row needs (foreign producers)."""
    if event.event_type is EventType.REQUESTED:
        missing = [k for k in REQUESTED_FIELDS if event.payload.get(k) is None]
        if missing:
            raise ValidationFailed(f"job.requested lacks payload fields: {', '.join(missing)}")
    return event


def partitions_of(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    """The partitions of a topic, as TopicPartition values."""
    return [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
