"""Publishes job events and dead letters; every send waits for the broker's acknowledgement."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaTimeoutError

from seojobs.domain.events import JobEvent
from seojobs.domain.topics import Topics

#: Longest wait for one acknowledgement, seconds. A delivery of a producer that was replaced after
#: a broker failure may never be settled; past this the send counts as failed and is repeated.
DELIVERY_TIMEOUT_S = 60.0


async def delivered(deliveries: list[asyncio.Future[object]], timeout_s: float = DELIVERY_TIMEOUT_S) -> None:
    """Wait for acknowledgements; KafkaTimeoutError when one is not settled in time, or the first
    delivery's own error when one failed."""
    if not deliveries:
        return
    _, pending = await asyncio.wait(deliveries, timeout=timeout_s)
    if pending:
        raise KafkaTimeoutError(f"{len(pending)} deliveries not acknowledged within {timeout_s:g} s")
    for delivery in deliveries:
        delivery.result()


class Emitter:
    """The worker's way out: job events, delayed retries and dead letters."""

    def __init__(
        self,
        producer: AIOKafkaProducer,
        topics: Topics,
        new_producer: Callable[[], AIOKafkaProducer] | None = None,
    ) -> None:
        self.producer = producer
        self.topics = topics
        self._new_producer = new_producer
        self._lock = asyncio.Lock()
        #: Counts replacements, so that many callers that saw one failure replace the producer once.
        self.generation = 0

    async def restart(self, seen: int | None = None) -> None:
        """Replace the producer: after a broker outage an idempotent producer can be left with
        sequence numbers the broker refuses (OutOfOrderSequenceNumber) for good.

        ``seen`` is the generation the caller used when its send failed; when the producer has
        been replaced since, nothing is done.
        """
        if self._new_producer is None:
            return
        async with self._lock:
            if seen is not None and seen != self.generation:
                return
            old = self.producer
            with contextlib.suppress(Exception):
                await old.stop()
            fresh = self._new_producer()
            try:
                await fresh.start()
            except BaseException:
                with contextlib.suppress(Exception):
                    await fresh.stop()
                raise
            self.producer = fresh
            self.generation += 1

    async def emit(self, event: JobEvent) -> None:
        """Publish a lifecycle event to the job-event topic (key = job id)."""
        await delivered([await self.emit_later(event)])

    async def emit_later(self, event: JobEvent) -> asyncio.Future[object]:
        """Hand a lifecycle event to the producer; the returned future is its acknowledgement."""
        delivery: asyncio.Future[object] = await self.producer.send(
            self.topics.job_events, value=event.encode(), key=event.key
        )
        return delivery

    async def send(self, topic: str, event: JobEvent) -> None:
        """Publish an event to another topic (a delay topic, a work topic)."""
        await delivered([await self.producer.send(topic, value=event.encode(), key=event.key)])

    async def dead_letter(self, key: bytes | None, record: bytes) -> None:
        """Publish a dead-letter record."""
        await delivered([await self.producer.send(self.topics.dead_letter, value=record, key=key)])
