"""Backoff and until_done(): a database step is repeated, with growing pauses, while the database
is away, and only then."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy.exc import InterfaceError, OperationalError

from seojobs.pipeline.outages import Backoff, until_done

log = logging.getLogger("test.outages")


def _away(kind: type[OperationalError] | type[InterfaceError]) -> Exception:
    return kind("SELECT 1", {}, ConnectionError("server closed the connection unexpectedly"))


def test_repeats_through_outages_and_returns_the_result(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def no_pause(seconds: float) -> None:
        return None

    monkeypatch.setattr("seojobs.pipeline.outages.asyncio.sleep", no_pause)
    failures = [_away(OperationalError), _away(InterfaceError)]
    calls = 0

    async def step() -> str:
        nonlocal calls
        calls += 1
        if failures:
            raise failures.pop(0)
        return "stored"

    with caplog.at_level(logging.WARNING, logger="test.outages"):
        assert asyncio.run(until_done(step, log, "the batch")) == "stored"
    assert calls == 3
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "database unavailable, will retry the batch"
    ] * 2


def test_other_errors_are_not_repeated() -> None:
    calls = 0

    async def step() -> None:
        nonlocal calls
        calls += 1
        raise ValueError("a bug, not an outage")

    with pytest.raises(ValueError, match="a bug"):
        asyncio.run(until_done(step, log, "the batch"))
    assert calls == 1


def test_pauses_grow_to_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    pauses: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        pauses.append(seconds)

    monkeypatch.setattr("seojobs.pipeline.outages.asyncio.sleep", fake_sleep)
    left = 8

    async def step() -> int:
        nonlocal left
        left -= 1
        if left:
            raise _away(OperationalError)
        return 1

    assert asyncio.run(until_done(step, log, "the batch")) == 1
    assert pauses == [0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0]


def test_backoff_starts_again_after_a_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    pauses: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        pauses.append(seconds)

    monkeypatch.setattr("seojobs.pipeline.outages.asyncio.sleep", fake_sleep)
    backoff = Backoff(0.1, 0.3)

    async def scenario() -> None:
        for _ in range(3):
            await backoff.sleep()
        backoff.reset()
        await backoff.sleep()

    asyncio.run(scenario())
    assert pauses == [0.1, 0.2, 0.3, 0.1]
