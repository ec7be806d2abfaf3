"""Create the project's topics with explicit partition counts and retention; delete a run's own."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from seojobs.domain.errors import SeojobsError
from seojobs.domain.topics import TopicSpec


class KafkaUnavailable(SeojobsError):
    """The broker did not answer."""


async def ensure_topics(bootstrap: str, specs: Iterable[TopicSpec]) -> list[str]:
    """Create every missing topic; return the names that were created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        if not missing:
            return []
        new = [NewTopic(s.name, s.partitions, 1, topic_configs={
            "retention.ms": str(s.retention_ms), "cleanup.policy": "delete"}) for s in missing]
        with contextlib.suppress(TopicAlreadyExistsError):  # another process was first
            await admin.create_topics(new)
        return [s.name for s in missing]
    except KafkaError as exc:
        raise KafkaUnavailable(f"Kafka at {bootstrap} did not answer: {exc}") from exc
    finally:
        await admin.close()


async def delete_topics(bootstrap: str, prefix: str) -> list[str]:
    """Delete every topic whose name starts with ``prefix`` (a test's or a benchmark's own); an
    empty prefix deletes nothing. Returns the names deleted (none when the broker is away)."""
    if not prefix:
        return []
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    try:
        await admin.start()
        mine = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if mine:
            await admin.delete_topics(mine)
        return mine
    except KafkaError:
        return []  # a broker stopped by a fault test: nothing to clean now
    finally:
        await admin.close()


async def kafka_ready(bootstrap: str) -> bool:
    """True when the broker answers a metadata request."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
    try:
        await admin.start()
        await admin.list_topics()
        return True
    except Exception:
        return False
    finally:
        await admin.close()
