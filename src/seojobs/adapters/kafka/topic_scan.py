"""Which jobs have messages on a topic since a point in time (for replays), read with a plain consumer."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from seojobs.adapters.kafka.admin import KafkaUnavailable
from seojobs.adapters.kafka.connect import KafkaTarget, bootstrap_of, client_kwargs

#: Records fetched per poll.
FETCH_RECORDS = 5000
#: How long one poll waits, ms.
POLL_MS = 500


@dataclass
class TopicScan:
    """The jobs found on a topic (first appearance order), and how many messages were read."""

    job_ids: list[uuid.UUID] = field(default_factory=list)
    messages: int = 0
    unreadable: int = 0


def job_id_of(key: bytes | None, value: bytes | None) -> uuid.UUID | None:
    """The job a message is about: the event's job_id, else a key that is a job id."""
    try:
        data = json.loads(value) if value is not None else None
        return uuid.UUID(str(data["job_id"])) if isinstance(data, dict) else None
    except (UnicodeDecodeError, ValueError, KeyError):
        pass
    try:
        return uuid.UUID(key.decode()) if key else None
    except (UnicodeDecodeError, ValueError):
        return None


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    # Metadata of a consumer that subscribes to nothing lacks the topic until asked for it.
    consumer._client.add_topic(topic)
    await consumer._client.force_metadata_update()
    return [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]


async def jobs_on_topic(bootstrap: KafkaTarget, topic: str, since: datetime) -> TopicScan:
    """Every job with a message on ``topic`` from ``since`` up to the topic's end as it is now."""
    consumer = AIOKafkaConsumer(
        **client_kwargs(bootstrap), enable_auto_commit=False, max_poll_records=FETCH_RECORDS
    )
    scan = TopicScan()
    seen: set[uuid.UUID] = set()
    try:
        await consumer.start()
        tps = await _partitions(consumer, topic)
        if not tps:
            return scan
        consumer.assign(tps)
        starts = await consumer.offsets_for_times(dict.fromkeys(tps, int(since.timestamp() * 1000)))
        ends = await consumer.end_offsets(tps)
        left = set()
        for tp in tps:
            found = starts.get(tp)
            start = found.offset if found is not None else ends[tp]
            consumer.seek(tp, start)
            if start < ends[tp]:
                left.add(tp)
        while left:
            batch = await consumer.getmany(*left, timeout_ms=POLL_MS, max_records=FETCH_RECORDS)
            for tp, records in batch.items():
                for r in records:
                    if r.offset >= ends[tp]:
                        continue
                    scan.messages += 1
                    job_id = job_id_of(r.key, r.value)
                    if job_id is None:
                        scan.unreadable += 1
                    elif job_id not in seen:
                        seen.add(job_id)
                        scan.job_ids.append(job_id)
            left = {tp for tp in left if await consumer.position(tp) < ends[tp]}
        return scan
    except KafkaError as exc:
        raise KafkaUnavailable(f"Kafka at {bootstrap_of(bootstrap)} did not answer: {exc}") from exc
    finally:
        await consumer.stop()
