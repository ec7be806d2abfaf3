"""What the cluster says about the project's topics: replicas, min ISR, under-replicated partitions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError

from seojobs.adapters.kafka.admin import admin_client, broker_count, replication_of, unavailable
from seojobs.adapters.kafka.connect import KafkaTarget
from seojobs.domain.cluster import Difference, TopicState, differences
from seojobs.domain.topics import Topics, TopicSpec

#: Topics one describe request names (keeps requests small on clusters with many topics).
DESCRIBE_CHUNK = 100


def faust_internal_specs(topics: Topics) -> list[TopicSpec]:
    """Faust's own topics: each worker group's leader-assignor topic (one partition).

    Faust would let the broker auto-create it with the broker's default replication; the project
    creates it like its other topics so its replication follows the settings too.
    """
    from seojobs.domain.jobs import Service

    return [TopicSpec(f"{topics.prefix}seojobs-{s.value}-__assignor-__leader", 1) for s in Service]


def project_specs(topics: Topics, retry_steps: int) -> list[TopicSpec]:
    """Every topic the project creates, Faust's internal ones included."""
    return [*topics.all_specs(retry_steps), *faust_internal_specs(topics)]


def _state(described: dict[str, Any], min_isr: dict[str, int]) -> TopicState:
    parts = described["partitions"]
    factor = min((len(p["replicas"]) for p in parts), default=0)
    under = sum(1 for p in parts if len(p["isr"]) < len(p["replicas"]))
    return TopicState(described["topic"], len(parts), factor, min_isr.get(described["topic"], 0), under)


async def describe(target: KafkaTarget, names: Sequence[str]) -> dict[str, TopicState]:
    """The state of each named topic that exists (missing ones are left out)."""
    admin = admin_client(target)
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        wanted = [n for n in names if n in existing]
        out: dict[str, TopicState] = {}
        for start in range(0, len(wanted), DESCRIBE_CHUNK):
            chunk = wanted[start : start + DESCRIBE_CHUNK]
            configs = await admin.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, n) for n in chunk]
            )
            min_isr = {
                r["resource_name"]: int(e["config_value"])
                for c in configs
                for r in c.to_object()["resources"]
                for e in r["config_entries"]
                if e["config_names"] == "min.insync.replicas"
            }
            for d in await admin.describe_topics(chunk):
                if d["error_code"] == 0:
                    out[d["topic"]] = _state(d, min_isr)
        return out
    except KafkaError as exc:
        raise await unavailable(target, exc) from exc
    finally:
        await admin.close()


@dataclass(frozen=True)
class TopicReport:
    """The outcome of `seojobs topics --check`."""

    brokers: int
    differences: list[Difference]
    under_replicated: dict[str, int]


async def check_topics(target: KafkaTarget, specs: Sequence[TopicSpec]) -> TopicReport:
    """Compare every project topic with the settings (partitions, replication, min ISR)."""
    admin = admin_client(target)
    try:
        await admin.start()
        brokers = await broker_count(admin)
        replication = await replication_of(admin, target)
    except KafkaError as exc:
        raise await unavailable(target, exc) from exc
    finally:
        await admin.close()
    found = await describe(target, [s.name for s in specs])
    diffs = differences({s.name: s.partitions for s in specs}, replication, found)
    under = {n: s.under_replicated for n, s in found.items() if s.under_replicated}
    return TopicReport(brokers, diffs, under)


async def under_replicated(target: KafkaTarget, prefix: str = "") -> dict[str, int]:
    """Under-replicated partitions per topic (topics whose name starts with ``prefix``)."""
    admin = admin_client(target, request_timeout_ms=5000)
    try:
        await admin.start()
        names = [t for t in await admin.list_topics() if t.startswith(prefix)]
        out: dict[str, int] = {}
        for start in range(0, len(names), DESCRIBE_CHUNK):
            for d in await admin.describe_topics(names[start : start + DESCRIBE_CHUNK]):
                n = sum(1 for p in d["partitions"] if len(p["isr"]) < len(p["replicas"]))
                if n:
                    out[d["topic"]] = n
        return out
    except KafkaError as exc:
        raise await unavailable(target, exc) from exc
    finally:
        await admin.close()
