"""The outbox relay: publishes outbox rows to Kafka, woken by NOTIFY, with a polling fallback, and
runs the dispatcher's rounds (which send the work messages with the relay's producer).

A batch is claimed with FOR UPDATE SKIP LOCKED (so several relays may run), published with the
idempotent producer (acks=all), and deleted in the same transaction once Kafka acknowledged it.
If Kafka is down the transaction rolls back and the rows wait: nothing is lost. If the relay dies
between publishing and deleting, the rows are published again: consumers treat that as a duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

import psycopg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db import queries as q
from seojobs.adapters.kafka.connect import KafkaTarget
from seojobs.adapters.kafka.producer import make_producer, send_all
from seojobs.domain.events import utcnow
from seojobs.pipeline.dispatcher import Dispatcher
from seojobs.pipeline.outages import Backoff
from seojobs.pipeline.projector import JOBS_CHANNEL
from seojobs.pipeline.relay_loop import RelayLoop

log = logging.getLogger("seojobs.relay")

#: The channel the outbox trigger NOTIFYs (see migration 0002).
CHANNEL = "seojobs_outbox"
#: First pause before publishing again after a failure, seconds (then doubled up to Backoff's cap).
FIRST_RETRY_S = 0.1
#: Failures after which the relay tries again later: the database or the broker is away.
TRANSIENT = (TimeoutError, KafkaError, OSError, psycopg.Error, SQLAlchemyError)


@dataclass
class RelayStats:
    """What the relay has done since it started."""

    published: int = 0
    batches: int = 0
    failures: int = 0


class OutboxRelay:
    """Moves outbox rows to Kafka until stopped (or, in drain mode, until the outbox is empty)."""

    def __init__(
        self,
        engine: AsyncEngine,
        bootstrap: KafkaTarget,
        libpq_url: str,
        *,
        batch_size: int = 500,
        poll_interval_s: float = 1.0,
        producer: AIOKafkaProducer | None = None,
        dispatcher: Dispatcher | None = None,
    ) -> None:
        self.engine = engine
        self.dispatcher = dispatcher
        self.bootstrap = bootstrap
        self.libpq_url = libpq_url
        self.batch_size = batch_size
        self.poll_interval_s = poll_interval_s
        self.producer = producer or make_producer(bootstrap, client_id="seojobs-relay")
        self.stats = RelayStats()
        self._loop = RelayLoop(self, Backoff(FIRST_RETRY_S), batch_size, TRANSIENT)
        self._wake = self._loop.wake
        self._stopping = self._loop.stopping

    def stop(self) -> None:
        """Ask the relay to finish its current batch and stop."""
        self._loop.stop()

    async def publish_batch(self) -> int:
        """Publish and delete one batch of outbox rows; how many went out."""
        async with self.engine.begin() as conn:
            rows = (await conn.execute(q.CLAIM_OUTBOX, {"limit": self.batch_size})).all()
            if not rows:
                return 0
            await send_all(
                self.producer,
                [
                    (topic, bytes(key) if key is not None else None, bytes(value))
                    for _, topic, key, value in rows
                ],
            )
            await conn.execute(q.DELETE_OUTBOX, {"ids": [r[0] for r in rows]})
        self.stats.published += len(rows)
        self.stats.batches += 1
        return len(rows)

    async def _listen(self) -> None:
        """Set the wake event on every NOTIFY; reconnect when the database goes away."""
        while not self._stopping.is_set():
            try:
                conn = await psycopg.AsyncConnection.connect(self.libpq_url, autocommit=True)
                async with conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    await conn.execute(f"LISTEN {JOBS_CHANNEL}")
                    async for _ in conn.notifies():
                        self._wake.set()
            except (psycopg.Error, OSError) as exc:
                log.warning("outbox LISTEN connection lost: %s", exc)
                await asyncio.sleep(1.0)

    async def run(self, *, drain: bool = False) -> RelayStats:
        """Publish until stopped; with ``drain`` stop as soon as the outbox is empty."""
        await self._start_producer()
        listener = None if drain else asyncio.create_task(self._listen())
        try:
            await self._loop.run(drain=drain)
        finally:
            self.stats.failures = self._loop.stats.failures
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener
            await self.producer.stop()
        return self.stats

    # -- the loop's ports (relay_loop.RelayPorts) ---------------------------------------------

    async def dispatch(self) -> int:
        """Release due jobs with this relay's producer; how many."""
        return len(await self.dispatcher.dispatch(self.producer)) if self.dispatcher else 0

    async def restart_stale(self) -> int:
        """Restart the jobs of stale leases; how many."""
        return await self.dispatcher.restart_stale() if self.dispatcher else 0

    async def idle_timeout(self) -> float:
        """How long to sleep when idle."""
        return await self._idle_timeout()

    async def recover(self, exc: BaseException) -> None:
        """After a broker outage an idempotent producer can be left with sequence numbers the
        broker no longer accepts: start again with a fresh one."""
        if isinstance(exc, KafkaError | TimeoutError):
            await self._restart_producer()

    async def _idle_timeout(self) -> float:
        """How long to sleep when idle: the poll interval, or less if a scheduled job falls due."""
        if self.dispatcher is None:
            return self.poll_interval_s
        due = await self.dispatcher.next_due()
        if due is None:
            return self.poll_interval_s
        return max(0.005, min(self.poll_interval_s, (due - utcnow()).total_seconds()))

    async def _restart_producer(self) -> None:
        """Replace the producer with a new one (a new producer id and sequence)."""
        with contextlib.suppress(Exception):
            await self.producer.stop()
        self.producer = make_producer(self.bootstrap, client_id="seojobs-relay")
        await self._start_producer()

    async def _start_producer(self) -> None:
        """Start the producer, waiting for Kafka if it is not there yet."""
        backoff = Backoff()
        while True:
            try:
                await self.producer.start()
                return
            except KafkaError as exc:
                log.warning("Kafka not reachable yet (%s); retrying", exc)
                await self.producer.stop()
                self.producer = make_producer(self.bootstrap, client_id="seojobs-relay")
                await backoff.sleep()
