"""until_done(): a database step is repeated while the database is away, and only then."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy.exc import InterfaceError, OperationalError

from seojobs.pipeline import db_retry
from seojobs.pipeline.db_retry import until_done

log = logging.getLogger("test.db_retry")


def _away(kind: type[OperationalError] | type[InterfaceError]) -> Exception:
    return kind("SELECT 1", {}, ConnectionError("server closed the connection unexpectedly"))


def test_repeats_through_outages_and_returns_the_result(monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(db_retry, "FIRST_BACKOFF_S", 0.001)
    failures = [_away(OperationalError), _away(InterfaceError)]
    calls = 0

    async def step() -> str:
        nonlocal calls
        calls += 1
        if failures:
            raise failures.pop(0)
        return "stored"

    with caplog.at_level(logging.WARNING, logger="test.db_retry"):
        assert asyncio.run(until_done(step, log, "the batch")) == "stored"
    assert calls == 3
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "database unavailable, will retry the batch"] * 2


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

    monkeypatch.setattr(db_retry.asyncio, "sleep", fake_sleep)
    left = 8

    async def step() -> int:
        nonlocal left
        left -= 1
        if left:
            raise _away(OperationalError)
        return 1

    assert asyncio.run(until_done(step, log, "the batch")) == 1
    assert pauses == [0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0]
