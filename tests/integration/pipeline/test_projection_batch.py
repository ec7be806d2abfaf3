"""The projector's set-based batch gives exactly what applying its events one at a time gives:
forward only by sequence, allowed transitions only, duplicates and stale events no-ops, in order."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db import accounts
from seojobs.domain.events import FINAL_STEP, STARTED_STEP, TERMINAL_STEP, EventType, JobEvent, event_seq
from seojobs.domain.jobs import JobType
from seojobs.domain.requests import NewJob, requested_event
from seojobs.pipeline.projection_store import apply_batch
from tests.integration.api.test_api_fast_paths import assert_counts_match

pytestmark = pytest.mark.integration

ROWS = text("""
    SELECT id, type, status, priority, payload, result, error, attempts, max_attempts, scheduled_for,
           started_at, completed_at, created_at, progress, user_id, site_id, last_seq, series,
           depends_on, dead_lettered
    FROM jobs ORDER BY id
""")


def _ev(kind: EventType, job: NewJob, series: int, attempt: int, step: int, **payload: Any) -> JobEvent:
    return JobEvent(
        kind, str(job.job_id), job.job_type.value, attempt, event_seq(series, attempt, step), payload
    )


def stream(user: uuid.UUID, dep: uuid.UUID) -> list[JobEvent]:
    """Four jobs' events, interleaved, with duplicates, stale and out-of-order ones and a redrive."""
    now = datetime.now(UTC)
    a, b, c, d = (NewJob(JobType.SYNC_METRICS, {}, 5, 3, user_id=user) for _ in range(4))
    c = NewJob(JobType.SYNC_METRICS, {}, 9, 3, user_id=uuid.uuid4(), depends_on=(dep,))  # unknown owner
    started_a = _ev(EventType.STARTED, a, 0, 1, STARTED_STEP)
    return [
        requested_event(a, now),
        requested_event(b, now),
        requested_event(c, now),
        requested_event(d, now),
        started_a,
        _ev(EventType.PROGRESS, a, 0, 1, STARTED_STEP + 1, progress=40),
        started_a,
        _ev(EventType.STARTED, b, 0, 1, STARTED_STEP),
        _ev(EventType.RETRY_SCHEDULED, b, 0, 1, TERMINAL_STEP, error="boom", due_at=now.isoformat()),
        _ev(EventType.COMPLETED, b, 0, 2, TERMINAL_STEP, result={"pages": 3}),
        _ev(EventType.STARTED, b, 0, 2, STARTED_STEP),  # older than its completion: a no-op
        _ev(EventType.COMPLETED, a, 0, 1, TERMINAL_STEP, result={"ok": True}),
        _ev(EventType.PROGRESS, a, 0, 1, STARTED_STEP + 2, progress=70),  # stale
        _ev(EventType.CANCELLED, c, 0, 0, FINAL_STEP, reason="dependency failed"),
        _ev(EventType.STARTED, c, 0, 1, STARTED_STEP),  # after a terminal status: a no-op
        _ev(EventType.STARTED, d, 0, 1, STARTED_STEP),
        _ev(EventType.FAILED, d, 0, 1, TERMINAL_STEP, error="gave up"),
        _ev(EventType.DEAD_LETTERED, d, 0, 1, FINAL_STEP),
        requested_event(d, now, series=1),  # a redrive: a new series reopens it
        _ev(EventType.STARTED, d, 1, 1, STARTED_STEP),
        requested_event(a, now),  # a duplicate request: nothing
    ]


async def _apply(engine: AsyncEngine, batches: Sequence[Sequence[JobEvent]]) -> tuple[int, list[Any]]:
    changed = 0
    for batch in batches:
        async with engine.begin() as conn:
            changed += await apply_batch(conn, batch)
    async with engine.connect() as conn:
        return changed, [tuple(r) for r in (await conn.execute(ROWS)).all()]


async def test_one_batch_equals_one_event_at_a_time(engine: AsyncEngine) -> None:
    user = await accounts.create_user(engine, "p@example.com")
    events = stream(user, uuid.uuid4())
    changed_batch, batched = await _apply(engine, [events])
    await assert_counts_match(engine)
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE jobs CASCADE"))
    changed_single, single = await _apply(engine, [[e] for e in events])
    await assert_counts_match(engine)
    assert batched == single and changed_batch == changed_single
    again, replayed = await _apply(engine, [events])  # a replay of the whole stream changes nothing
    assert (again, replayed) == (0, single)
    by_id = {r[0]: r for r in batched}
    a, b, c, d = (by_id[uuid.UUID(events[i].job_id)] for i in range(4))
    assert (a[2], a[5], a[13], a[7]) == ("COMPLETED", {"ok": True}, 100, 1)
    assert (b[2], b[5], b[6]) == ("COMPLETED", {"pages": 3}, None)
    assert (c[2], c[6], c[14]) == ("CANCELLED", "dependency failed", None)
    assert (d[2], d[17], d[7], d[19], d[5]) == ("PROCESSING", 1, 1, False, None)
