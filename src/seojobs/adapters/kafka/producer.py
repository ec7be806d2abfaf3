"""The idempotent producer every component publishes with (acks=all)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiokafka import AIOKafkaProducer

from seojobs.adapters.kafka.connect import KafkaTarget, client_kwargs

#: How long the producer lingers to batch messages, ms.
LINGER_MS = 1
#: How long one send may wait for the broker before it fails, ms.
REQUEST_TIMEOUT_MS = 10000


def make_producer(target: KafkaTarget, *, client_id: str = "seojobs") -> AIOKafkaProducer:
    """An idempotent producer: acks from all replicas, no duplicates from its own retries."""
    return AIOKafkaProducer(
        **client_kwargs(target),
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=LINGER_MS,
        request_timeout_ms=REQUEST_TIMEOUT_MS,
        max_batch_size=1024 * 1024,
        compression_type=None,
    )


async def send_all(producer: AIOKafkaProducer, messages: Iterable[tuple[str, bytes | None, bytes]]) -> None:
    """Hand every (topic, key, value) to the producer in order, then wait until the broker has
    acknowledged them all (the sends are batched, not one round trip each)."""
    deliveries = [await producer.send(topic, key=key, value=value) for topic, key, value in messages]
    await asyncio.gather(*deliveries)
