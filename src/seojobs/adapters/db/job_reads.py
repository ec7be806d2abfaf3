"""The read paths clients poll: one job, a page of jobs (keyset cursor) and the counts.

Each is one statement on one connection: status by primary key, pages by an index in
``(created_at, id)`` order with the cursor as a bound, counts from ``job_counts`` and the
deltas not folded yet instead of a scan of ``jobs``.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from seojobs.adapters.db import queries as q
from seojobs.domain.errors import NotFound, ValidationFailed
from seojobs.domain.jobs import JobStatus, JobType

#: Most rows one page returns.
MAX_PAGE = 500


@dataclass(frozen=True)
class LeaseInfo:
    """Which worker holds a job's current attempt, and when it last renewed the lease."""

    worker: str
    state: str
    heartbeat_at: datetime


def row_lease(row: Row[Any]) -> tuple[Row[Any], LeaseInfo | None]:
    """A row of the read statements and the lease its lease_* columns describe (None: no lease)."""
    if row.lease_worker is None:
        return row, None
    return row, LeaseInfo(row.lease_worker, row.lease_state, row.lease_heartbeat_at)


@dataclass(frozen=True)
class JobFilter:
    """What a list asks for: owner, type, status, site, creation window, and the page's cursor."""

    user_id: uuid.UUID | None = None
    job_type: JobType | None = None
    status: JobStatus | None = None
    site_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None
    after: str | None = None


@asynccontextmanager
async def reading(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection in autocommit for one read: no BEGIN before it, no ROLLBACK when it is returned."""
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn


def encode_cursor(created_at: datetime, job_id: uuid.UUID) -> str:
    """An opaque cursor: the last job of a page, in the list's (created_at, id) order."""
    return base64.urlsafe_b64encode(f"{created_at.isoformat()}|{job_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The (created_at, id) a cursor stands for; ValidationFailed when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, _, job_id = raw.partition("|")
        when = datetime.fromisoformat(created)
        if when.tzinfo is None:
            raise ValueError("a cursor's time has a zone")
        return when, uuid.UUID(job_id)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            "after is not a cursor this API returned (use nextCursor)", field="after"
        ) from exc


def _utc(when: datetime | None) -> datetime | None:
    """A time without a zone is UTC."""
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when


def _params(f: JobFilter, limit: int) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": limit}
    for name, value in (
        ("user_id", f.user_id),
        ("site_id", f.site_id),
        ("since", _utc(f.since)),
        ("until", _utc(f.until)),
        ("type", f.job_type and f.job_type.value),
        ("status", f.status and f.status.value),
    ):
        if value is not None:
            params[name] = value
    if f.after is not None:
        params["after_created"], params["after_id"] = decode_cursor(f.after)
        params["after"] = True
    return params


async def job_row(conn: AsyncConnection, job_id: uuid.UUID, user_id: uuid.UUID | None = None) -> Row[Any]:
    """One job's row (NotFound when it does not exist or belongs to another user)."""
    if user_id is None:
        row = (await conn.execute(q.JOB_BY_ID, {"id": job_id})).first()
    else:
        row = (await conn.execute(q.JOB_BY_ID_OF_USER, {"id": job_id, "user_id": user_id})).first()
    if row is None:
        raise NotFound(f"job {job_id} not found")
    return row


async def read_job(engine: AsyncEngine, job_id: uuid.UUID, user_id: uuid.UUID | None = None) -> Row[Any]:
    """One job's row on a connection of its own."""
    async with reading(engine) as conn:
        return await job_row(conn, job_id, user_id)


async def list_page(engine: AsyncEngine, f: JobFilter, limit: int) -> tuple[list[Row[Any]], str | None]:
    """Up to ``limit`` rows newest first, and the cursor of the next page (None: this is the last)."""
    limit = min(max(limit, 1), MAX_PAGE)
    params = _params(f, limit + 1)
    statement = q.list_jobs(frozenset(k for k in q.LIST_FILTERS if k in params))
    async with reading(engine) as conn:
        rows = list((await conn.execute(statement, params)).all())
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor(last.created_at, last.id)


async def job_stats(engine: AsyncEngine, user_id: uuid.UUID | None = None) -> dict[str, int]:
    """Counts per status and the total (the seed's shape, plus cancelled), from the kept counts."""
    async with reading(engine) as conn:
        if user_id is None:
            rows = (await conn.execute(q.JOB_STATS_ALL)).all()
        else:
            rows = (await conn.execute(q.JOB_STATS_OF_USER, {"user_id": user_id})).all()
    counts = {s.value.lower(): 0 for s in JobStatus}
    for status, count in rows:
        counts[str(status).lower()] = int(count)
    counts["total"] = sum(counts.values())
    return counts


async def fold_job_counts(engine: AsyncEngine) -> int:
    """Fold the count deltas into job_counts (a no-op while another fold runs); rows folded into."""
    async with engine.begin() as conn:
        return int((await conn.execute(q.FOLD_JOB_COUNTS)).rowcount or 0)
