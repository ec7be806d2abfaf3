"""Schedule-slot dedupe: a slot enqueues its job once, however many schedulers run."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from seojobs.domain.errors import ValidationFailed
from seojobs.maintenance import queries

#: Job id a slot row holds between its claim and its job's insert (same transaction only).
PLACEHOLDER_JOB_ID = uuid.UUID(int=0)

#: Inserts the job (and whatever goes with it, e.g. its outbox message) and returns its id.
JobInsert = Callable[[AsyncConnection], Awaitable[uuid.UUID]]


def _check_slot(slot: datetime) -> None:
    if slot.tzinfo is None:
        raise ValidationFailed("slot must be timezone-aware", field="slot")


async def claim_slot_and_enqueue(
    conn: AsyncConnection, name: str, slot: datetime, job_insert: JobInsert
) -> uuid.UUID | None:
    """Claim (name, slot) and insert its job atomically; None when the slot was already taken.

    The slot row goes in first (``ON CONFLICT DO NOTHING``): a second scheduler's insert waits
    on the first's uncommitted row, then finds the conflict and returns None without ever
    calling ``job_insert``. If ``job_insert`` raises, the claim is rolled back with it, so the
    slot stays free for a retry. On a connection outside a transaction this opens and commits
    one; inside the caller's transaction it works in a SAVEPOINT and the caller commits.
    """
    _check_slot(slot)
    params = {"name": name, "slot": slot}
    tx = conn.begin_nested() if conn.in_transaction() else conn.begin()
    async with tx:
        claimed = await conn.execute(queries.CLAIM_SLOT, {**params, "placeholder": PLACEHOLDER_JOB_ID})
        if claimed.first() is None:
            return None
        job_id = await job_insert(conn)
        await conn.execute(queries.SET_SLOT_JOB, {**params, "job_id": job_id})
    return job_id


async def slot_taken(engine: AsyncEngine, name: str, slot: datetime) -> bool:
    """Whether (name, slot) was claimed by a committed transaction (a cheap read, no lock)."""
    _check_slot(slot)
    async with engine.connect() as conn:
        taken = await conn.execute(queries.SLOT_TAKEN, {"name": name, "slot": slot})
        return bool(taken.scalar_one())
