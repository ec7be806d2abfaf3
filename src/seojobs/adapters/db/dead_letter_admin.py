"""The dead_letters table for operators: list, read, redrive (a new attempt series), delete, purge."""

from __future__ import annotations

import builtins
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db import operator_queries as dq
from seojobs.adapters.db.job_store import reopen_jobs
from seojobs.domain.errors import Conflict, NotFound, ValidationFailed
from seojobs.domain.events import utcnow
from seojobs.domain.topics import Topics

#: Dead letters a list returns unless told otherwise.
DEFAULT_LIMIT = 100
#: Most dead letters one list returns.
MAX_LIMIT = 500


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def dead_letter_to_api(row: RowMapping, *, full: bool = False) -> dict[str, Any]:
    """A dead letter as the API shows it; ``full`` adds the stack, history and original message."""
    history = row["attempts"] or []
    body: dict[str, Any] = {
        "id": row["id"],
        "jobId": str(row["job_id"]) if row["job_id"] else None,
        "jobType": row["job_type"],
        "reason": row["reason"],
        "errorType": row["error_type"],
        "component": row["component"],
        "sourceTopic": row["source_topic"],
        "sourcePartition": row["source_partition"],
        "sourceOffset": row["source_offset"],
        "attempts": len(history),
        "createdAt": _iso(row["created_at"]),
        "redrivenAt": _iso(row["redriven_at"]),
    }
    if full:
        body.update(
            {
                "stack": row["stack"],
                "history": history,
                "original": row["original"],
                "originalBase64": row["original_base64"],
                "dlqPartition": row["dlq_partition"],
                "dlqOffset": row["dlq_offset"],
            }
        )
    return body


def _filter(job_type: str | None, reason: str | None, redriven: bool | None) -> dict[str, Any]:
    return {"job_type": job_type or None, "reason": reason or None, "redriven": redriven}


class DeadLetterAdmin:
    """Operator actions on stored dead letters; a redrive reopens the job as a new series."""

    def __init__(self, engine: AsyncEngine, topics: Topics) -> None:
        self.engine = engine
        self.topics = topics

    async def list(
        self,
        *,
        limit: int = DEFAULT_LIMIT,
        job_type: str | None = None,
        reason: str | None = None,
        redriven: bool | None = None,
    ) -> builtins.list[dict[str, Any]]:
        """Newest first, filtered by job type, a reason substring and whether redriven."""
        params = {**_filter(job_type, reason, redriven), "limit": min(max(limit, 1), MAX_LIMIT)}
        async with self.engine.connect() as conn:
            rows = (await conn.execute(dq.LIST_DEAD_LETTERS, params)).mappings().all()
        return [dead_letter_to_api(r) for r in rows]

    async def get(self, letter_id: int) -> dict[str, Any]:
        """One dead letter with everything stored; NotFound when it does not exist."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(dq.GET_DEAD_LETTER, {"id": letter_id})).mappings().first()
        if row is None:
            raise NotFound(f"dead letter {letter_id} not found")
        return dead_letter_to_api(row, full=True)

    async def redrive(self, letter_id: int) -> uuid.UUID:
        """Reopen the dead letter's job as a new attempt series and mark the letter redriven."""
        async with self.engine.begin() as conn:
            row = (await conn.execute(dq.LOCK_DEAD_LETTER, {"id": letter_id})).mappings().first()
            if row is None:
                raise NotFound(f"dead letter {letter_id} not found")
            job_id: uuid.UUID | None = row["job_id"]
            if row["redriven_at"] is not None:
                raise Conflict(
                    f"dead letter {letter_id} was already redriven at {row['redriven_at'].isoformat()}",
                    job_id=str(job_id),
                )
            if job_id is None:
                raise Conflict(
                    f"dead letter {letter_id} has no job to redrive ({row['reason']})", reason=row["reason"]
                )
            if not await reopen_jobs(conn, self.topics, [job_id]):
                raise Conflict(
                    f"job {job_id} of dead letter {letter_id} is not finished (or no longer "
                    "exists), so it cannot be redriven",
                    job_id=str(job_id),
                )
            await conn.execute(dq.MARK_REDRIVEN, {"ids": [letter_id]})
        return job_id

    async def redrive_matching(
        self, *, job_type: str | None = None, reason: str | None = None, everything: bool = False
    ) -> builtins.list[uuid.UUID]:
        """Redrive the jobs of every dead letter not yet redriven that matches; the jobs reopened.

        An empty filter is refused unless ``everything`` is set. Jobs still running are skipped.
        """
        if not (job_type or reason or everything):
            raise ValidationFailed(
                "say which dead letters to redrive (jobType, reason) or set all=true", field="all"
            )
        async with self.engine.begin() as conn:
            rows = (await conn.execute(dq.LOCK_REDRIVABLE, _filter(job_type, reason, None))).all()
            job_ids = list(dict.fromkeys(r.job_id for r in rows))
            reopened = set(await reopen_jobs(conn, self.topics, job_ids)) if job_ids else set()
            letters = [r.id for r in rows if r.job_id in reopened]
            if letters:
                await conn.execute(dq.MARK_REDRIVEN, {"ids": letters})
        return [j for j in job_ids if j in reopened]

    async def delete(self, letter_id: int) -> None:
        """Remove one dead letter; NotFound when it does not exist."""
        async with self.engine.begin() as conn:
            if (await conn.execute(dq.DELETE_DEAD_LETTER, {"id": letter_id})).first() is None:
                raise NotFound(f"dead letter {letter_id} not found")

    async def purge(
        self, *, older_than_days: int | None = None, redriven_only: bool = False, everything: bool = False
    ) -> int:
        """Remove dead letters older than some days, or only redriven ones; how many went.

        An empty filter (which would remove every dead letter) is refused unless ``everything``.
        """
        if older_than_days is None and not redriven_only and not everything:
            raise ValidationFailed(
                "say which dead letters to purge (olderThanDays, redrivenOnly) or set all=true", field="all"
            )
        before = utcnow() - timedelta(days=older_than_days) if older_than_days is not None else None
        async with self.engine.begin() as conn:
            result = await conn.execute(
                dq.PURGE_DEAD_LETTERS, {"before": before, "redriven_only": redriven_only}
            )
        return int(result.rowcount)
