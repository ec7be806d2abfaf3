"""Slot dedupe and the scheduler against the real PostgreSQL: one job per slot, ever."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from seojobs.domain.jobs import JobType
from seojobs.maintenance import MaintenanceScheduler, claim_slot_and_enqueue
from seojobs.maintenance.schedule import DAILY_CLEANUP, MONTHLY_RESET
from seojobs.maintenance.scheduler import Enqueue
from seojobs.maintenance.slots import PLACEHOLDER_JOB_ID, JobInsert
from tests.integration.maintenance.maintenance_support import (
    insert_job,
    rows,
    scalar,
    wait_until,
)

pytestmark = pytest.mark.integration

SLOT = datetime(2024, 4, 1, tzinfo=UTC)
DAILY, MONTHLY = "0 0 * * *", "0 0 1 * *"


async def cleanup_insert(conn: AsyncConnection) -> uuid.UUID:
    """Insert a CLEANUP_ROLLBACKS job."""
    return await insert_job(conn, JobType.CLEANUP_ROLLBACKS, {"daysOld": 90})


async def claim(engine: AsyncEngine, job_insert: JobInsert = cleanup_insert) -> uuid.UUID | None:
    """claim_slot_and_enqueue on a connection of its own."""
    async with engine.connect() as conn:
        return await claim_slot_and_enqueue(conn, DAILY_CLEANUP, SLOT, job_insert)


async def slot_rows(engine: AsyncEngine) -> list[tuple[Any, ...]]:
    """(name, slot, job_id) of every claimed slot."""
    return list(await rows(engine, "SELECT name, slot, job_id FROM schedule_slots ORDER BY 1"))


async def test_first_claim_enqueues_and_records_the_job(engine: AsyncEngine) -> None:
    job_id = await claim(engine)

    assert job_id is not None
    assert await slot_rows(engine) == [(DAILY_CLEANUP, SLOT, job_id)]
    assert await rows(engine, "SELECT id, type FROM jobs") == [(job_id, "CLEANUP_ROLLBACKS")]


async def test_a_taken_slot_never_calls_the_job_insert(engine: AsyncEngine) -> None:
    calls: list[int] = []

    async def counting_insert(conn: AsyncConnection) -> uuid.UUID:
        calls.append(1)
        return await cleanup_insert(conn)

    first = await claim(engine, counting_insert)
    second = await claim(engine, counting_insert)

    assert first is not None and second is None
    assert calls == [1]
    assert await scalar(engine, "SELECT count(*) FROM jobs") == 1


async def test_concurrent_claims_of_one_slot_create_one_job(engine: AsyncEngine) -> None:
    inside, release = asyncio.Event(), asyncio.Event()
    late_calls: list[int] = []

    async def held_insert(conn: AsyncConnection) -> uuid.UUID:
        inside.set()
        await release.wait()  # holds the uncommitted slot row until the rival is blocked on it
        return await cleanup_insert(conn)

    async def rival_insert(conn: AsyncConnection) -> uuid.UUID:
        late_calls.append(1)
        return await cleanup_insert(conn)

    first = asyncio.create_task(claim(engine, held_insert))
    await inside.wait()
    second = asyncio.create_task(claim(engine, rival_insert))
    await wait_until(
        engine,
        """
        SELECT EXISTS (SELECT 1 FROM pg_stat_activity
                       WHERE datname = current_database() AND wait_event_type = 'Lock')""",
    )
    release.set()
    results = await asyncio.gather(first, second)

    assert results[0] is not None and results[1] is None
    assert late_calls == []
    assert await scalar(engine, "SELECT count(*) FROM jobs") == 1
    assert await slot_rows(engine) == [(DAILY_CLEANUP, SLOT, results[0])]


async def test_many_racing_claims_create_one_job(engine: AsyncEngine) -> None:
    results = await asyncio.gather(*(claim(engine) for _ in range(8)))

    assert len([r for r in results if r is not None]) == 1
    assert await scalar(engine, "SELECT count(*) FROM jobs") == 1


async def test_a_failed_job_insert_frees_the_slot(engine: AsyncEngine) -> None:
    async def failing_insert(conn: AsyncConnection) -> uuid.UUID:
        await cleanup_insert(conn)
        raise RuntimeError("outbox write failed")

    with pytest.raises(RuntimeError):
        await claim(engine, failing_insert)
    assert await slot_rows(engine) == []
    assert await scalar(engine, "SELECT count(*) FROM jobs") == 0

    job_id = await claim(engine)
    assert job_id is not None
    assert await slot_rows(engine) == [(DAILY_CLEANUP, SLOT, job_id)]


async def test_inside_a_caller_transaction_the_caller_commits(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        job_id = await claim_slot_and_enqueue(conn, DAILY_CLEANUP, SLOT, cleanup_insert)
        again = await claim_slot_and_enqueue(conn, DAILY_CLEANUP, SLOT, cleanup_insert)
        assert await scalar(engine, "SELECT count(*) FROM schedule_slots") == 0  # not committed
    assert job_id is not None and again is None
    assert await slot_rows(engine) == [(DAILY_CLEANUP, SLOT, job_id)]
    assert job_id != PLACEHOLDER_JOB_ID


def make_enqueue(engine: AsyncEngine) -> Enqueue:
    """An enqueue like the lead's: the job row and its slot row in one transaction."""

    async def enqueue(
        job_type: JobType, payload: dict[str, Any], slot: datetime, name: str
    ) -> uuid.UUID | None:
        async with engine.connect() as conn:
            return await claim_slot_and_enqueue(conn, name, slot, lambda c: insert_job(c, job_type, payload))

    return enqueue


async def scheduled_jobs(engine: AsyncEngine) -> list[tuple[str, str, Any]]:
    """(slot name, job type, payload) of every scheduled job."""
    found = await rows(
        engine,
        """
        SELECT s.name, j.type, j.payload FROM schedule_slots s JOIN jobs j ON j.id = s.job_id
        ORDER BY s.name""",
    )
    return [(name, kind, payload) for name, kind, payload in found]


async def test_two_schedulers_enqueue_each_slot_once(engine: AsyncEngine) -> None:
    now = datetime(2024, 4, 1, 0, 0, 2, tzinfo=UTC)
    one, two = (MaintenanceScheduler(engine, make_enqueue(engine), DAILY, MONTHLY) for _ in range(2))

    outcomes = await asyncio.gather(one.run_due_now(now), two.run_due_now(now))

    enqueued = [o for run in outcomes for o in run if o.job_id is not None]
    assert sorted(o.job.name for o in enqueued) == [DAILY_CLEANUP, MONTHLY_RESET]
    assert all(o.job.slot == SLOT for run in outcomes for o in run)
    assert await scheduled_jobs(engine) == [
        (DAILY_CLEANUP, "CLEANUP_ROLLBACKS", {"daysOld": 90}),
        (MONTHLY_RESET, "RESET_USAGE", {"month": "2024-04"}),
    ]
    # A later tick within the grace time finds both slots taken.
    late = await one.run_due_now(datetime(2024, 4, 1, 0, 30, tzinfo=UTC))
    assert [o.job_id for o in late] == [None, None]
    assert await scalar(engine, "SELECT count(*) FROM jobs") == 2


async def test_nothing_is_due_at_noon(engine: AsyncEngine) -> None:
    scheduler = MaintenanceScheduler(engine, make_enqueue(engine), DAILY, MONTHLY)
    assert await scheduler.run_due_now(datetime(2024, 4, 17, 12, 0, tzinfo=UTC)) == []
    assert await scalar(engine, "SELECT count(*) FROM jobs") == 0


async def test_started_scheduler_catches_up_and_plans_the_next_fires(engine: AsyncEngine) -> None:
    clock = datetime(2024, 4, 17, 0, 10, tzinfo=UTC)  # ten minutes after a daily slot
    scheduler = MaintenanceScheduler(engine, make_enqueue(engine), DAILY, MONTHLY, clock=lambda: clock)
    scheduler.start()
    try:
        assert scheduler.running
        await wait_until(engine, "SELECT count(*) = 1 FROM schedule_slots")
        fires = scheduler.next_fire_times()
        assert set(fires) == {DAILY_CLEANUP, MONTHLY_RESET}
        now = datetime.now(UTC)
        assert all(when is not None and when > now for when in fires.values())
        assert fires[MONTHLY_RESET].day == 1  # type: ignore[union-attr]
    finally:
        scheduler.shutdown()
    assert not scheduler.running
    assert await rows(engine, "SELECT name, slot FROM schedule_slots") == [
        (DAILY_CLEANUP, datetime(2024, 4, 17, tzinfo=UTC))
    ]
    assert await scheduled_jobs(engine) == [(DAILY_CLEANUP, "CLEANUP_ROLLBACKS", {"daysOld": 90})]
