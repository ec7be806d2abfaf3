"""Test support for the maintenance tests: a recording JobContext and row helpers."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from seojobs.domain.errors import JobCancelled
from seojobs.domain.jobs import JobType
from seojobs.domain.registry import spec_of

#: How often wait_until polls its condition, seconds.
POLL_S = 0.02
#: How long wait_until waits before failing, seconds.
WAIT_LIMIT_S = 10.0


class RecordingContext:
    """A JobContext that records progress and can cancel at the n-th progress call."""

    def __init__(
        self,
        job_type: JobType,
        payload: dict[str, Any],
        *,
        job_id: uuid.UUID | None = None,
        cancel_at_call: int | None = None,
    ) -> None:
        self._job_id = job_id or uuid.uuid4()
        self._job_type = job_type
        self._payload = payload
        self._cancel_at_call = cancel_at_call
        self.progress_calls: list[tuple[int, str | None]] = []

    @property
    def job_id(self) -> uuid.UUID:
        """The job's id."""
        return self._job_id

    @property
    def job_type(self) -> JobType:
        """The job's type."""
        return self._job_type

    @property
    def attempt(self) -> int:
        """Always the first attempt."""
        return 1

    @property
    def series(self) -> int:
        """Always the first attempt series."""
        return 0

    @property
    def payload(self) -> dict[str, Any]:
        """The payload given at construction."""
        return self._payload

    @property
    def user_id(self) -> uuid.UUID | None:
        """Maintenance jobs run for no user."""
        return None

    async def progress(self, percent: int, message: str | None = None) -> None:
        """Record the call; raise JobCancelled at the configured call."""
        assert 0 <= percent <= 100
        self.progress_calls.append((percent, message))
        await self.checkpoint()

    async def checkpoint(self) -> None:
        """Raise JobCancelled once the configured number of progress calls was reached."""
        if self._cancel_at_call is not None and len(self.progress_calls) >= self._cancel_at_call:
            raise JobCancelled("cancelled by the test", job_id=str(self._job_id))

    @property
    def percents(self) -> list[int]:
        """The percentages reported, in order."""
        return [p for p, _ in self.progress_calls]

    @property
    def messages(self) -> list[str | None]:
        """The messages reported, in order."""
        return [m for _, m in self.progress_calls]


async def scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    """One value of one query."""
    async with engine.connect() as conn:
        return (await conn.execute(text(sql), params)).scalar_one()


async def rows(engine: AsyncEngine, sql: str, **params: Any) -> Sequence[Any]:
    """Every row of one query, as tuples."""
    async with engine.connect() as conn:
        return [tuple(r) for r in (await conn.execute(text(sql), params)).all()]


async def execute(engine: AsyncEngine, sql: str, params: Any = None) -> None:
    """Run one statement (params may be a list for executemany) and commit."""
    async with engine.begin() as conn:
        await conn.execute(text(sql), params)


async def insert_job(conn: AsyncConnection, job_type: JobType, payload: dict[str, Any]) -> uuid.UUID:
    """Insert a PENDING job row and return its id (what the lead's enqueue also does)."""
    result = await conn.execute(
        text(
            "INSERT INTO jobs (type, payload, priority) VALUES (:type, CAST(:payload AS jsonb), :p)"
            " RETURNING id"
        ),
        {"type": job_type.value, "payload": json.dumps(payload), "p": spec_of(job_type).default_priority},
    )
    job_id: uuid.UUID = result.scalar_one()
    return job_id


async def add_user(engine: AsyncEngine, email: str, *, active: bool = True) -> uuid.UUID:
    """Insert a user and return its id."""
    async with engine.begin() as conn:
        user_id: uuid.UUID = (
            await conn.execute(
                text("INSERT INTO users (email, active) VALUES (:email, :active) RETURNING id"),
                {"email": email, "active": active},
            )
        ).scalar_one()
    return user_id


async def add_site(engine: AsyncEngine, user_id: uuid.UUID, name: str) -> uuid.UUID:
    """Insert a site and return its id."""
    async with engine.begin() as conn:
        site_id: uuid.UUID = (
            await conn.execute(
                text("INSERT INTO sites (user_id, url, name) VALUES (:u, :url, :name) RETURNING id"),
                {"u": user_id, "url": f"https://{name}.example", "name": name},
            )
        ).scalar_one()
    return site_id


async def wait_until(engine: AsyncEngine, sql: str, **params: Any) -> None:
    """Poll a boolean query until it is true (fail after WAIT_LIMIT_S)."""
    async with asyncio.timeout(WAIT_LIMIT_S):
        while not await scalar(engine, sql, **params):
            await asyncio.sleep(POLL_S)
