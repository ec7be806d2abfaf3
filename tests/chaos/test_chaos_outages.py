"""Outages of the broker and of the database: the pipeline waits, resumes, and loses nothing."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.domain.jobs import Service
from seojobs.domain.lanes import Lane
from seojobs.settings import Settings
from tests.chaos.faults import postgres_control
from tests.chaos.streams import Stream
from tests.e2e.conftest import make_account
from tests.support.services import ServiceSet, wait_for
from tests.support.stack import broker_control
from tests.support.topics_io import produce_raw

#: A scenario streams at least 2,000 jobs through outages: it may take minutes on two cores.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

#: Jobs of each stream.
STREAM = 2000
#: How long the broker stays down each time (the scenario's 20 seconds).
BROKER_DOWN_S = 20.0


async def test_broker_down_during_enqueue_and_during_processing(
    services: ServiceSet, stream: Stream, engine: AsyncEngine, http: httpx.AsyncClient
) -> None:
    admin = await make_account(engine, role="admin")
    for name in ("api", "relay", "projector", "maintenance"):
        services.start(name)
    await services.wait_api()
    await stream.enqueue_http(http, admin.headers, 250)
    await stream.wait_done(engine, 250)
    broker = broker_control()
    await asyncio.to_thread(broker.stop)
    try:
        await stream.enqueue_http(http, admin.headers, STREAM // 2)  # the API accepts while Kafka is down
        async with engine.connect() as conn:
            waiting = (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
        assert waiting >= STREAM // 2, "with Kafka down the events wait in the outbox"
        await asyncio.sleep(BROKER_DOWN_S)
    finally:
        await asyncio.to_thread(broker.start)
    await stream.enqueue_http(http, admin.headers, STREAM // 2)
    await stream.wait_done(engine, 250 + STREAM // 4)
    await asyncio.to_thread(broker.stop)  # again, now with work in flight
    try:
        await asyncio.sleep(BROKER_DOWN_S)
    finally:
        await asyncio.to_thread(broker.start)
    await stream.wait_all_done(engine)

    await stream.check(engine)


async def test_postgres_restarted_during_processing(
    services: ServiceSet, stream: Stream, engine: AsyncEngine, settings: Settings
) -> None:
    for name in ("relay", "projector", "maintenance"):
        services.start(name)
    await stream.enqueue(engine, STREAM)
    await stream.wait_done(engine, STREAM // 4)
    await asyncio.to_thread(postgres_control().restart)
    await stream.enqueue(engine, STREAM // 4)  # enqueues work again once the server is back
    # A poison record after the restart: the worker dead-letters it and the projector's dead-letter
    # ingester, whose pooled connections all died with the server, still stores it.
    work = stream.topics.requested(Service.MAINTENANCE, Lane.MEDIUM)
    await produce_raw(settings.kafka_bootstrap_servers, work, [(b"poison", b"\x00not json{")])
    await stream.wait_all_done(engine)

    async def poison_stored() -> bool:
        async with engine.connect() as conn:
            return bool(
                (
                    await conn.execute(
                        text(
                            "SELECT count(*) FROM dead_letters WHERE source_topic = :t AND component = 'worker'"
                        ),
                        {"t": work},
                    )
                ).scalar_one()
            )

    await wait_for(poison_stored, 60, "the poison record in the dead_letters table", services.log_tail, 0.5)
    await stream.check(engine)
    assert all(proc.poll() is None for proc in services.procs.values()), "every service survived"
