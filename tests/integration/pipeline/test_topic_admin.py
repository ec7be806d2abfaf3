"""Topic administration on the real broker: a run's topics are created, and deleted by prefix only."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from seojobs.adapters.kafka.admin import delete_topics, ensure_topics
from seojobs.domain.topics import TopicSpec
from tests.support.stack import StackAddress

pytestmark = pytest.mark.integration


async def _names(bootstrap: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


async def _listed_once(bootstrap: str, names: set[str], present: bool, timeout_s: float = 20.0) -> set[str]:
    """Which of ``names`` are listed, once all are listed (``present``) or none is, or the timeout
    ends: the broker's metadata follows creations and deletions a moment later."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    listed = names & await _names(bootstrap)
    while (listed != names if present else listed) and loop.time() < deadline:
        await asyncio.sleep(0.2)
        listed = names & await _names(bootstrap)
    return listed


def test_delete_topics_removes_only_the_prefixed_ones(stack: StackAddress) -> None:
    run = f"adm{uuid.uuid4().hex[:8]}."
    other = f"adm{uuid.uuid4().hex[:8]}."
    mine = {f"{run}a", f"{run}b"}
    kept = f"{other}a"

    async def scenario() -> None:
        specs = [TopicSpec(name, 2, 60_000) for name in [*sorted(mine), kept]]
        assert set(await ensure_topics(stack.kafka_bootstrap, specs)) == {*mine, kept}
        await ensure_topics(stack.kafka_bootstrap, specs)  # again: no error, nothing doubled
        try:
            assert await _listed_once(stack.kafka_bootstrap, {*mine, kept}, present=True) == {*mine, kept}
            assert set(await delete_topics(stack.kafka_bootstrap, run)) == mine
            assert await _listed_once(stack.kafka_bootstrap, mine, present=False) == set()
            assert kept in await _names(stack.kafka_bootstrap)
            assert await delete_topics(stack.kafka_bootstrap, "") == []  # never "every topic"
            assert kept in await _names(stack.kafka_bootstrap)
        finally:
            await delete_topics(stack.kafka_bootstrap, other)

    asyncio.run(scenario())


def test_more_replicas_than_brokers_is_refused_with_a_clear_error(stack: StackAddress) -> None:
    from seojobs.adapters.kafka.admin import TopicsRefused
    from seojobs.domain.cluster import KafkaConnection

    prefix = f"adm{uuid.uuid4().hex[:8]}."
    three = KafkaConnection(stack.kafka_bootstrap, replication_factor=3, min_insync_replicas=2)
    try:
        with pytest.raises(TopicsRefused, match="with 3 replicas and min ISR 2"):
            asyncio.run(ensure_topics(three, [TopicSpec(f"{prefix}a", 1, 60_000)]))
    finally:
        asyncio.run(delete_topics(stack.kafka_bootstrap, prefix))
