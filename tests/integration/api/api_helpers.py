"""Database reads and writes the API tests use to check what an endpoint did."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.domain.topics import Topics
from seojobs.pipeline.dispatcher import Dispatcher


async def row_counts(engine: AsyncEngine) -> tuple[int, int]:
    """(jobs, outbox messages) in the database."""
    async with engine.connect() as conn:
        jobs = (await conn.execute(text("SELECT count(*) FROM jobs"))).scalar_one()
        outbox = (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
    return int(jobs), int(outbox)


async def outbox_topics(engine: AsyncEngine) -> list[str]:
    """The topics of the outbox messages, oldest first."""
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT topic FROM outbox ORDER BY id"))).all()
    return [r[0] for r in rows]


async def dispatched_topics(engine: AsyncEngine, prefix: str) -> list[str]:
    """Run one dispatcher round (as the relay does), then the outbox topics, oldest first."""
    await Dispatcher(engine, Topics(prefix)).dispatch()
    return await outbox_topics(engine)


async def set_job_status(engine: AsyncEngine, job_id: str, status: str) -> None:
    """Move a job to a status as a worker would (the projector's write, done directly)."""
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE jobs SET status = :s, completed_at = now() WHERE id = :id"),
            {"s": status, "id": uuid.UUID(job_id)},
        )
