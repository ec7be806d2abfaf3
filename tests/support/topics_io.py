"""Read what the pipeline left on its topics: every record from the start, group lag, and raw sends."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

#: How long a dump waits for the topic's partitions to be known, seconds.
ASSIGN_TIMEOUT_S = 15.0
#: How long one poll of a topic dump waits, ms.
POLL_MS = 500


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    """The partitions a group-less consumer of one topic was given (all of them)."""
    deadline = time.monotonic() + ASSIGN_TIMEOUT_S
    while not consumer.assignment() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)  # without a group, every partition is assigned on first metadata
    parts = sorted(consumer.assignment())
    assert parts, f"topic {topic} has no partitions"
    return parts


async def read_all(bootstrap: str, topic: str) -> list[tuple[bytes | None, bytes | None]]:
    """Every (key, value) on a topic, from the beginning to the end it had when called."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        parts = await _partitions(consumer, topic)
        ends = await consumer.end_offsets(parts)
        out: list[tuple[bytes | None, bytes | None]] = []
        while [tp for tp in parts if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(timeout_ms=POLL_MS)
            out.extend((r.key, r.value) for records in batch.values() for r in records)
        return out
    finally:
        await consumer.stop()


async def read_json(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    """Every record of a topic whose value is a JSON object."""
    found = []
    for _, value in await read_all(bootstrap, topic):
        try:
            data = json.loads(value or b"")
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(data, dict):
            found.append(data)
    return found


async def group_lag(bootstrap: str, group: str, topic: str) -> int:
    """How many records of a topic the group has not committed yet (all of them if it never did)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
        parts = await _partitions(consumer, topic)
        ends = await consumer.end_offsets(parts)
        lag = 0
        for tp in parts:
            done = committed.get(tp)
            lag += ends[tp] - (done.offset if done is not None and done.offset >= 0 else 0)
        return lag
    finally:
        await consumer.stop()
        await admin.close()


async def produce_raw(
    bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes]], max_request_size: int = 1024 * 1024
) -> None:
    """Send records as they are, with a plain aiokafka producer (what a foreign client would do)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=max_request_size)
    await producer.start()
    try:
        for key, value in records:
            await producer.send_and_wait(topic, value=value, key=key)
    finally:
        await producer.stop()
