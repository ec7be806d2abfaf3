"""The relay's loop on in-memory ports: full batches, drain mode, idling, transient failures."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest

from seojobs.pipeline.relay_loop import RelayLoop


class Away(Exception):
    """A transient failure (the broker or the database is away)."""


@dataclass
class FakeRelay:
    """An outbox of ``rows`` rows, jobs to release, failures to raise; every call recorded."""

    rows: int = 0
    batch: int = 10
    to_release: list[int] = field(default_factory=list)
    failures: list[BaseException] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    recovered: list[BaseException] = field(default_factory=list)
    idle_s: float = 0.01

    async def publish_batch(self) -> int:
        self.calls.append("publish")
        if self.failures:
            raise self.failures.pop(0)
        n = min(self.rows, self.batch)
        self.rows -= n
        return n

    async def dispatch(self) -> int:
        self.calls.append("dispatch")
        return self.to_release.pop(0) if self.to_release else 0

    async def restart_stale(self) -> int:
        self.calls.append("restart")
        return 0

    async def idle_timeout(self) -> float:
        self.calls.append("idle")
        return self.idle_s

    async def recover(self, exc: BaseException) -> None:
        self.recovered.append(exc)


@dataclass
class CountedPauses:
    """Pauses that take no time and count themselves."""

    slept: int = 0
    resets: int = 0

    async def sleep(self) -> None:
        self.slept += 1

    def reset(self) -> None:
        self.resets += 1


def loop_of(relay: FakeRelay, pauses: CountedPauses | None = None) -> RelayLoop:
    return RelayLoop(relay, pauses or CountedPauses(), relay.batch, (Away,))


async def test_drain_publishes_full_batches_back_to_back_then_stops_on_an_empty_outbox() -> None:
    relay = FakeRelay(rows=25)
    stats = await loop_of(relay).run(drain=True)
    assert relay.rows == 0 and stats.rounds == 4
    assert relay.calls.count("idle") == 1, "idles only after the partial batch, never after a full one"
    assert relay.calls[:3] == ["publish", "dispatch", "restart"], "the outbox goes first"


async def test_a_release_makes_the_next_round_start_at_once() -> None:
    relay = FakeRelay(rows=0, to_release=[3])
    await loop_of(relay).run(drain=True)
    assert relay.calls == ["publish", "dispatch", "restart", "publish", "dispatch", "restart"]


async def test_a_transient_failure_pauses_recovers_and_retries() -> None:
    pauses = CountedPauses()
    relay = FakeRelay(rows=5, failures=[Away("broker away"), Away("still away")])
    stats = await loop_of(relay, pauses).run(drain=True)
    assert relay.rows == 0 and stats.failures == 2 and pauses.slept == 2
    assert [str(e) for e in relay.recovered] == ["broker away", "still away"]
    assert pauses.resets >= 1, "a good round starts the pauses again from the first"


async def test_an_unexpected_error_is_not_swallowed() -> None:
    relay = FakeRelay(failures=[RuntimeError("bug")])
    with pytest.raises(RuntimeError, match="bug"):
        await loop_of(relay).run(drain=True)


async def test_outside_drain_mode_it_idles_until_woken_and_stops_when_asked() -> None:
    relay = FakeRelay(rows=0, idle_s=30.0)
    loop = loop_of(relay)
    task = asyncio.create_task(loop.run())
    while relay.calls.count("idle") < 1:
        await asyncio.sleep(0)
    relay.rows = 3
    loop.wake.set()  # a NOTIFY
    while relay.rows:
        await asyncio.sleep(0)
    loop.stop()
    stats = await asyncio.wait_for(task, 1.0)
    assert stats.rounds >= 2 and relay.calls.count("idle") >= 2
