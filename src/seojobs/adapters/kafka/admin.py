"""Create the project's topics (partitions, retention, replication); describe and delete them."""

from __future__ import annotations

from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from seojobs.adapters.kafka.connect import KafkaTarget, as_connection, client_kwargs, diagnose
from seojobs.domain.cluster import Replication, resolve
from seojobs.domain.errors import SeojobsError
from seojobs.domain.topics import TopicSpec


class KafkaUnavailable(SeojobsError):
    """The broker did not answer."""


class TopicsRefused(SeojobsError):
    """The cluster refused to create topics (e.g. more replicas than brokers)."""


def admin_client(target: KafkaTarget, request_timeout_ms: int = 15000) -> AIOKafkaAdminClient:
    """An admin client with the target's security settings."""
    return AIOKafkaAdminClient(**client_kwargs(target), request_timeout_ms=request_timeout_ms)


async def unavailable(target: KafkaTarget, exc: Exception) -> KafkaUnavailable:
    """The error for a failed request: KafkaAuthFailed is raised instead when credentials were refused."""
    await diagnose(target)
    return KafkaUnavailable(f"Kafka at {as_connection(target).bootstrap} did not answer: {exc}")


async def broker_count(admin: AIOKafkaAdminClient) -> int:
    """How many brokers the cluster has right now."""
    return len((await admin.describe_cluster())["brokers"])


async def replication_of(admin: AIOKafkaAdminClient, target: KafkaTarget) -> Replication:
    """The replication the settings ask for on this cluster (0 settings: from the broker count)."""
    conn = as_connection(target)
    brokers = await broker_count(admin) if not (conn.replication_factor and conn.min_insync_replicas) else 0
    return resolve(conn.replication_factor, conn.min_insync_replicas, brokers)


def new_topic(spec: TopicSpec, replication: Replication) -> NewTopic:
    """The creation request of one topic."""
    return NewTopic(
        spec.name,
        spec.partitions,
        replication.factor,
        topic_configs={
            "retention.ms": str(spec.retention_ms),
            "cleanup.policy": "delete",
            "min.insync.replicas": str(replication.min_insync),
        },
    )


async def ensure_topics(target: KafkaTarget, specs: Iterable[TopicSpec]) -> list[str]:
    """Create every missing topic; return the names that were created."""
    admin = admin_client(target)
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        if not missing:
            return []
        replication = await replication_of(admin, target)
        response = await admin.create_topics([new_topic(s, replication) for s in missing])
        # The broker answers each topic apart (aiokafka raises none of them); "already exists"
        # means another process was first.
        refused = [
            (e[0], e[2] if len(e) > 2 else "")
            for e in response.topic_errors
            if e[1] not in (0, TopicAlreadyExistsError.errno)
        ]
        if refused:
            raise TopicsRefused(
                f"Kafka refused to create {len(refused)} topics with {replication.factor} "
                f"replicas and min ISR {replication.min_insync}: {refused[0][0]}: "
                f"{refused[0][1]}"
            )
        return [s.name for s in missing]
    except KafkaError as exc:
        raise await unavailable(target, exc) from exc
    finally:
        await admin.close()


async def delete_topics(target: KafkaTarget, prefix: str) -> list[str]:
    """Delete every topic whose name starts with ``prefix`` (a test's or a benchmark's own); an
    empty prefix deletes nothing. Returns the names deleted (none when the broker is away)."""
    if not prefix:
        return []
    admin = admin_client(target)
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


async def kafka_ready(target: KafkaTarget) -> bool:
    """True when the broker answers a metadata request."""
    admin = admin_client(target, request_timeout_ms=3000)
    try:
        await admin.start()
        await admin.list_topics()
        return True
    except Exception:
        return False
    finally:
        await admin.close()
