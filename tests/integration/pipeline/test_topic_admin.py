"""Topic administration on the real broker: a run's topics are created, and deleted by prefix only."""

from __future__ import annotations

import asyncio
import uuid

from aiokafka.admin import AIOKafkaAdminClient

from seojobs.adapters.kafka.admin import delete_topics, ensure_topics
from seojobs.domain.topics import TopicSpec
from tests.support.stack import StackAddress


async def _names(bootstrap: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


async def _until_gone(bootstrap: str, names: set[str], timeout_s: float = 20.0) -> set[str]:
    """The names still listed once they are gone or the timeout ends (deletion is asynchronous)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    left = names & await _names(bootstrap)
    while left and loop.time() < deadline:
        await asyncio.sleep(0.2)
        left = names & await _names(bootstrap)
    return left


def test_delete_topics_removes_only_the_prefixed_ones(stack: StackAddress) -> None:
    run = f"adm{uuid.uuid4().hex[:8]}."
    other = f"adm{uuid.uuid4().hex[:8]}."
    mine = {f"{run}a", f"{run}b"}
    kept = f"{other}a"

    async def scenario() -> None:
        specs = [TopicSpec(name, 2, 60_000) for name in [*sorted(mine), kept]]
        assert set(await ensure_topics(stack.kafka_bootstrap, specs)) == {*mine, kept}
        assert await ensure_topics(stack.kafka_bootstrap, specs) == []  # idempotent
        try:
            assert set(await delete_topics(stack.kafka_bootstrap, run)) == mine
            assert await _until_gone(stack.kafka_bootstrap, mine) == set()
            assert kept in await _names(stack.kafka_bootstrap)
            assert await delete_topics(stack.kafka_bootstrap, "") == []  # never "every topic"
            assert kept in await _names(stack.kafka_bootstrap)
        finally:
            await delete_topics(stack.kafka_bootstrap, other)

    asyncio.run(scenario())
