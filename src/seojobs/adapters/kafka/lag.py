"""Queue depth from Kafka: each consumer group's committed offsets against its topics' end offsets."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from seojobs.adapters.kafka.admin import KafkaUnavailable, admin_client
from seojobs.adapters.kafka.connect import KafkaTarget, bootstrap_of, client_kwargs
from seojobs.domain.jobs import Service
from seojobs.domain.lanes import LANES_BY_PREFERENCE
from seojobs.domain.topics import Topics

#: How long a lag reading is reused before Kafka is asked again, seconds.
LAG_TTL_S = 2.0
#: How long one Kafka request may take, ms.
REQUEST_TIMEOUT_MS = 5000


@dataclass(frozen=True)
class Watch:
    """A topic a consumer group reads, with the service and lane (or retry step) it stands for."""

    group: str
    topic: str
    service: str
    lane: str


@dataclass(frozen=True)
class TopicLag:
    """One group's position on one topic, summed over partitions."""

    watch: Watch
    end: int
    committed: int

    @property
    def lag(self) -> int:
        """Messages written but not yet consumed."""
        return max(0, self.end - self.committed)


def watches(topics: Topics, retry_steps: int) -> list[Watch]:
    """Every topic worth watching: each service's lanes and delay topics, and the projector's input."""
    out = []
    for service in Service:
        group = f"{topics.prefix}seojobs-{service.value}"
        out += [
            Watch(group, topics.requested(service, lane), service.value, lane.value)
            for lane in LANES_BY_PREFERENCE
        ]
        out += [
            Watch(group, topic, service.value, "retry." + topic.rsplit(".retry.", 1)[1])
            for topic in topics.retry_topics(service, retry_steps)
        ]
    out.append(Watch(f"{topics.prefix}seojobs-projector", topics.job_events, "projector", "events"))
    return out


async def read_lag(bootstrap: KafkaTarget, watched: Sequence[Watch]) -> list[TopicLag]:
    """The lag of every watched topic (topics that do not exist yet are left out)."""
    admin = admin_client(bootstrap, REQUEST_TIMEOUT_MS)
    consumer = AIOKafkaConsumer(
        **client_kwargs(bootstrap), enable_auto_commit=False, request_timeout_ms=REQUEST_TIMEOUT_MS
    )
    try:
        await admin.start()
        await consumer.start()
        found = await partitions(consumer, {w.topic for w in watched})
        parts = {w.topic: found[w.topic] for w in watched if found.get(w.topic)}
        every = [tp for tps in parts.values() for tp in tps]
        ends = await consumer.end_offsets(every)
        starts = await consumer.beginning_offsets(every)
        groups = sorted({w.group for w in watched})
        offsets = await asyncio.gather(*(admin.list_consumer_group_offsets(g) for g in groups))
        committed = {
            g: {tp: meta.offset for tp, meta in o.items()} for g, o in zip(groups, offsets, strict=True)
        }
        return [
            TopicLag(
                w,
                sum(ends[tp] for tp in parts[w.topic]),
                sum(_position(committed[w.group].get(tp, -1), starts[tp]) for tp in parts[w.topic]),
            )
            for w in watched
            if w.topic in parts
        ]
    except KafkaError as exc:
        raise KafkaUnavailable(f"Kafka at {bootstrap_of(bootstrap)} did not answer: {exc}") from exc
    finally:
        await consumer.stop()
        await admin.close()


async def partitions(consumer: AIOKafkaConsumer, topics: set[str]) -> dict[str, list[TopicPartition]]:
    """The partitions of each topic (none for a topic that does not exist)."""
    # A consumer that subscribes to nothing knows no topic's metadata until it asks for it.
    for topic in topics:
        consumer._client.add_topic(topic)
    await consumer._client.force_metadata_update()
    return {t: [TopicPartition(t, p) for p in sorted(consumer.partitions_for_topic(t) or [])] for t in topics}


def _position(committed: int, start: int) -> int:
    """Where a group stands on a partition: its commit, or the partition's start when it has none."""
    return max(committed, start)


class LagCache:
    """Reuses a lag reading for LAG_TTL_S seconds, so scrapes and pages do not hammer Kafka."""

    def __init__(self, bootstrap: KafkaTarget, watched: Sequence[Watch], ttl_s: float = LAG_TTL_S) -> None:
        self.bootstrap = bootstrap
        self.watched = list(watched)
        self.ttl_s = ttl_s
        self._at = -ttl_s
        self._value: list[TopicLag] = []
        self._lock = asyncio.Lock()

    async def get(self) -> list[TopicLag]:
        """The latest reading, fresh when the cached one is older than the TTL."""
        async with self._lock:
            if time.monotonic() - self._at >= self.ttl_s:
                self._value = await read_lag(self.bootstrap, self.watched)
                self._at = time.monotonic()
            return self._value


class GroupLagReader:
    """Per-partition lag of one consumer group, with clients kept between readings."""

    def __init__(self, bootstrap: KafkaTarget, group: str) -> None:
        self.bootstrap = bootstrap
        self.group = group
        self._admin: AIOKafkaAdminClient | None = None
        self._consumer: AIOKafkaConsumer | None = None

    async def read(self, tps: Sequence[tuple[str, int]]) -> dict[tuple[str, int], int]:
        """Unconsumed messages per partition (end offset minus the group's commit).

        Raises KafkaUnavailable when Kafka does not answer; the clients are then made anew.
        """
        try:
            admin, consumer = await self._clients()
            wanted = [TopicPartition(t, p) for t, p in tps]
            ends = await consumer.end_offsets(wanted)
            starts = await consumer.beginning_offsets(wanted)
            committed = await admin.list_consumer_group_offsets(self.group, partitions=wanted)
        except (KafkaError, OSError) as exc:
            await self.close()
            raise KafkaUnavailable(f"Kafka at {bootstrap_of(self.bootstrap)} did not answer: {exc}") from exc
        return {
            (tp.topic, tp.partition): max(
                0, ends[tp] - _position(committed[tp].offset if tp in committed else -1, starts[tp])
            )
            for tp in wanted
        }

    async def _clients(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        if self._admin is None or self._consumer is None:
            admin = admin_client(self.bootstrap, REQUEST_TIMEOUT_MS)
            consumer = AIOKafkaConsumer(
                **client_kwargs(self.bootstrap),
                enable_auto_commit=False,
                request_timeout_ms=REQUEST_TIMEOUT_MS,
            )
            self._admin, self._consumer = admin, consumer
            await admin.start()
            await consumer.start()
        return self._admin, self._consumer

    async def close(self) -> None:
        """Stop the clients (they are made again on the next reading)."""
        admin, consumer = self._admin, self._consumer
        self._admin = self._consumer = None
        if consumer is not None:
            with contextlib.suppress(Exception):
                await consumer.stop()
        if admin is not None:
            with contextlib.suppress(Exception):
                await admin.close()
