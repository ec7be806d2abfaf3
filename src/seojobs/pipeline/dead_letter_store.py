"""The dead-letter ingester: copies the dead-letter topic into the dead_letters table for operators.

Offsets are committed only after the batch's rows are inserted, and each row is unique by its
position on the topic (partition, offset), so a crash or a second run stores nothing twice.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db import operator_queries as dq
from seojobs.adapters.kafka.connect import KafkaTarget, client_kwargs
from seojobs.adapters.kafka.consumer import caught_up
from seojobs.pipeline.outages import until_done

log = logging.getLogger("seojobs.deadletters")

#: The reason stored for a record on the dead-letter topic that is not a dead-letter record.
UNREADABLE_REASON = "unreadable dead letter"
#: The error type stored for such a record.
UNREADABLE_ERROR = "UnreadableDeadLetter"
#: The component stored when a record does not say which component dead-lettered it.
UNKNOWN_COMPONENT = "unknown"
#: How long one poll waits for records, ms.
POLL_MS = 200
#: Most records one batch (one transaction) takes.
BATCH_SIZE = 500
#: Width of the job_type, error_type and component columns.
JOB_TYPE_WIDTH, ERROR_TYPE_WIDTH, COMPONENT_WIDTH = 32, 100, 20


def group_id(prefix: str) -> str:
    """The ingester's own consumer group under a topic prefix."""
    return f"{prefix}seojobs-deadletters"


def _job_of(original: Any) -> tuple[str | None, str | None]:
    """(job id, job type) of the original message, when it was a job event."""
    if not isinstance(original, dict):
        return None, None
    try:
        job_id: str | None = str(uuid.UUID(str(original.get("job_id"))))
    except ValueError:
        job_id = None
    job_type = original.get("job_type")
    return job_id, str(job_type)[:JOB_TYPE_WIDTH] if job_type else None


def _unreadable(value: bytes | None, topic: str, partition: int, offset: int) -> dict[str, Any]:
    return {
        "job_id": None,
        "job_type": None,
        "reason": UNREADABLE_REASON,
        "error_type": UNREADABLE_ERROR,
        "stack": None,
        "component": UNKNOWN_COMPONENT,
        "source_topic": topic,
        "source_partition": partition,
        "source_offset": offset,
        "attempts": "[]",
        "original": None,
        "original_base64": base64.b64encode(value or b"").decode(),
        "dlq_partition": partition,
        "dlq_offset": offset,
    }


def dead_letter_row(value: bytes | None, topic: str, partition: int, offset: int) -> dict[str, Any]:
    """The INSERT parameters of one dead-letter record found at topic[partition]@offset."""
    try:
        data = json.loads(value) if value is not None else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("reason"), str):
        return _unreadable(value, topic, partition, offset)
    source: dict[str, Any] = data["source"] if isinstance(data.get("source"), dict) else {}
    attempts: list[Any] = data["attempts"] if isinstance(data.get("attempts"), list) else []
    original = data.get("original")
    job_id, job_type = _job_of(original)
    return {
        "job_id": job_id,
        "job_type": job_type,
        "reason": data["reason"],
        "error_type": str(data.get("error_type") or "Unknown")[:ERROR_TYPE_WIDTH],
        "stack": data.get("stack") if isinstance(data.get("stack"), str) else None,
        "component": str(data.get("component") or UNKNOWN_COMPONENT)[:COMPONENT_WIDTH],
        "source_topic": str(source.get("topic") or topic),
        "source_partition": _int(source.get("partition"), partition),
        "source_offset": _int(source.get("offset"), offset),
        "attempts": json.dumps(attempts),
        "original": json.dumps(original) if original is not None else None,
        "original_base64": data.get("original_base64")
        if isinstance(data.get("original_base64"), str)
        else None,
        "dlq_partition": partition,
        "dlq_offset": offset,
    }


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


class DeadLetterIngester:
    """Consumes the dead-letter topic into the dead_letters table until stopped (or drained)."""

    def __init__(
        self,
        engine: AsyncEngine,
        bootstrap: KafkaTarget,
        topic: str,
        group: str,
        *,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.engine = engine
        self.bootstrap = bootstrap
        self.topic = topic
        self.group = group
        self.batch_size = batch_size
        self.seen = 0
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Finish the current batch and stop."""
        self._stopping.set()

    async def run(self, *, drain: bool = False) -> int:
        """Ingest until stopped; with ``drain`` stop once caught up. Returns records seen."""
        consumer = AIOKafkaConsumer(
            self.topic,
            **client_kwargs(self.bootstrap),
            group_id=self.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.batch_size,
        )
        await consumer.start()
        try:
            while not self._stopping.is_set():
                batch = await consumer.getmany(timeout_ms=POLL_MS, max_records=self.batch_size)
                records = [r for part in batch.values() for r in part]
                if records:
                    await self.store(records)
                    await consumer.commit()
                elif drain and await caught_up(consumer):
                    break
        finally:
            await consumer.stop()
        return self.seen

    async def store(self, records: list[ConsumerRecord[bytes, bytes]]) -> None:
        """Insert one batch of records in one transaction (positions already stored are skipped)."""
        rows = [dead_letter_row(r.value, r.topic, r.partition, r.offset) for r in records]

        async def step() -> None:
            async with self.engine.begin() as conn:
                await conn.execute(dq.INSERT_DEAD_LETTER, rows)

        await until_done(step, log, "the dead letters")
        for row in rows:
            log.warning(
                "dead letter %s[%d]@%d: %s",
                self.topic,
                row["dlq_partition"],
                row["dlq_offset"],
                row["reason"],
                extra={
                    "job_id": row["job_id"],
                    "topic": row["source_topic"],
                    "partition": row["source_partition"],
                    "offset": row["source_offset"],
                },
            )
        self.seen += len(records)
