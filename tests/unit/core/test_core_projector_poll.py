"""The projector's poll: a lone event goes at once, a busy topic's events go together."""

from __future__ import annotations

import asyncio
from typing import Any

from seojobs.pipeline.projector import GATHER_FROM, GATHER_MS, Projector


class ScriptedConsumer:
    """Stands in for the consumer's getmany(): each call returns the next burst (after its delay)."""

    def __init__(self, bursts: list[tuple[float, int]]) -> None:
        self.bursts = bursts
        self.calls = 0
        self.next = 0

    async def getmany(self, timeout_ms: int, max_records: int) -> dict[str, list[Any]]:
        self.calls += 1
        if not self.bursts:
            await asyncio.sleep(timeout_ms / 1000)
            return {}
        delay, count = self.bursts[0]
        if delay * 1000 > timeout_ms:
            await asyncio.sleep(timeout_ms / 1000)
            self.bursts[0] = (delay - timeout_ms / 1000, count)
            return {}
        await asyncio.sleep(delay)
        self.bursts.pop(0)
        take = min(count, max_records)
        if take < count:
            self.bursts.insert(0, (0.0, count - take))
        records = list(range(self.next, self.next + take))
        self.next += take
        return {"tp": records}


def _projector(batch_size: int = 1000) -> Projector:
    return Projector(None, "unused:9092", "events", "dead", "group", batch_size=batch_size)  # type: ignore[arg-type]


async def test_a_lone_event_is_written_without_waiting() -> None:
    consumer = ScriptedConsumer([(0.0, 1), (0.005, 5)])
    started = asyncio.get_running_loop().time()
    assert await _projector()._poll(consumer) == [0]  # type: ignore[arg-type]
    assert consumer.calls == 1
    assert asyncio.get_running_loop().time() - started < GATHER_MS / 1000


async def test_under_load_what_arrives_within_the_gather_time_goes_in_one_batch() -> None:
    consumer = ScriptedConsumer([(0.0, GATHER_FROM), (0.004, 10), (0.004, 10), (1.0, 10)])
    records = await _projector()._poll(consumer)  # type: ignore[arg-type]
    assert records == list(range(GATHER_FROM + 20)), "the two bursts within the gather time, not the late one"


async def test_a_gathered_batch_stops_at_the_batch_size() -> None:
    consumer = ScriptedConsumer([(0.0, GATHER_FROM), (0.002, 500)])
    records = await _projector(batch_size=100)._poll(consumer)  # type: ignore[arg-type]
    assert len(records) == 100
