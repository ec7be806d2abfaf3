"""SIGKILL mid-stream: each process dies with work in flight, comes back, and nothing is lost."""

from __future__ import annotations

import asyncio
import signal

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.chaos.streams import Stream
from tests.support.services import ServiceSet

#: A scenario streams at least 2,000 jobs through outages: it may take minutes on two cores.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

#: Jobs of each stream.
STREAM = 2000
#: Seconds a killed process stays down before it is started again (part of the scenario).
DOWN_S = 3.0
#: Seconds the relay stays down each time (the enqueue goes on meanwhile).
RELAY_DOWN_S = 1.0
#: How many times the relay is killed during one stream.
RELAY_KILLS = 3

PIPELINE = ("relay", "projector", "maintenance")


@pytest.mark.parametrize("victim", ["maintenance", "projector"])
async def test_sigkill_mid_stream_loses_nothing(
    victim: str, services: ServiceSet, stream: Stream, engine: AsyncEngine
) -> None:
    for name in PIPELINE:
        services.start(name)
    await stream.enqueue(engine, STREAM)
    await stream.wait_done(engine, STREAM // 4)
    services.kill(victim, sig=signal.SIGKILL)
    await asyncio.sleep(DOWN_S)
    services.start(victim, 1)
    await stream.wait_all_done(engine)

    kinds = await stream.check(engine)
    assert kinds["job.completed"] >= STREAM
    if victim == "maintenance":
        assert kinds["job.started"] >= STREAM, "a redelivered job starts again, it is not skipped"


async def test_relay_killed_between_publish_and_delete_makes_only_harmless_duplicates(
    services: ServiceSet, stream: Stream, engine: AsyncEngine
) -> None:
    for name in PIPELINE:
        services.start(name)
    trickle = asyncio.create_task(stream.enqueue(engine, STREAM, batch=50, pause_s=0.2))
    for kill in range(RELAY_KILLS):
        await stream.wait_done(engine, STREAM * (kill + 1) // (RELAY_KILLS + 3))
        services.kill("relay", kill, sig=signal.SIGKILL)
        await asyncio.sleep(RELAY_DOWN_S)
        services.start("relay", kill + 1)
    await trickle
    await stream.wait_all_done(engine)

    kinds = await stream.check(engine)
    assert kinds["job.requested"] >= STREAM
