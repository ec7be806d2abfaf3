"""Jobs in PostgreSQL: enqueue (row + outbox in one transaction), read, list, count, cancel."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from seojobs.adapters.db import queries as q
from seojobs.adapters.db.job_reads import MAX_PAGE, LeaseInfo, job_stats
from seojobs.adapters.db.models import Job, JobLease
from seojobs.domain.errors import Conflict, NotFound
from seojobs.domain.events import FINAL_STEP, EventType, JobEvent, event_seq, utcnow
from seojobs.domain.jobs import JobStatus, JobType
from seojobs.domain.requests import NewJob, outbox_messages
from seojobs.domain.topics import Topics

#: Most rows one list call returns.
MAX_LIST_LIMIT = MAX_PAGE


async def write_outbox(conn: AsyncConnection, messages: Sequence[tuple[str, JobEvent]]) -> None:
    """Add messages to the outbox inside the caller's transaction."""
    if messages:
        await conn.execute(
            q.INSERT_OUTBOX,
            [{"topic": topic, "key": event.key, "value": event.encode()} for topic, event in messages],
        )


async def insert_job(conn: AsyncConnection, topics: Topics, job: NewJob) -> bool:
    """Insert the job row and its outbox messages in the caller's transaction; False if it existed."""
    created_at = utcnow()
    (topic, first), *more = outbox_messages(job, topics, created_at)
    row = await conn.execute(
        q.INSERT_JOB,
        {
            "id": job.job_id,
            "type": job.job_type.value,
            "priority": job.priority,
            "payload": json.dumps(job.payload),
            "max_attempts": job.max_attempts,
            "scheduled_for": job.scheduled_for or created_at,
            "user_id": job.user_id,
            "site_id": job.site_id,
            "idempotency_key": job.idempotency_key,
            "parent_id": job.parent_id,
            "depends_on": [str(d) for d in job.depends_on],
            "created_at": created_at,
            "dispatched_at": None,
            "topic": topic,
            "key": first.key,
            "value": first.encode(),
        },
    )
    if row.first() is None:
        return False
    await write_outbox(conn, more)
    return True


def is_plain(job: NewJob) -> bool:
    """True for a job insert_plain_jobs can take: no site, dependency, parent or idempotency key."""
    return not (job.site_id or job.depends_on or job.parent_id or job.idempotency_key)


async def insert_plain_jobs(conn: AsyncConnection, topics: Topics, jobs: Sequence[NewJob]) -> set[uuid.UUID]:
    """Insert plain jobs (see is_plain) and their outbox messages in the caller's transaction, with
    one statement for the rows and one pipelined batch for the messages; the ids inserted."""
    if not jobs:
        return set()
    created_at = utcnow()
    rows = await conn.execute(
        q.INSERT_PLAIN_JOBS,
        {
            "ids": [j.job_id for j in jobs],
            "types": [j.job_type.value for j in jobs],
            "priorities": [j.priority for j in jobs],
            "payloads": [json.dumps(j.payload) for j in jobs],
            "max_attempts": [j.max_attempts for j in jobs],
            "scheduled_for": [j.scheduled_for or created_at for j in jobs],
            "user_ids": [j.user_id for j in jobs],
            "created_at": [created_at] * len(jobs),
        },
    )
    inserted = {r[0] for r in rows}
    await write_outbox(
        conn, [m for j in jobs if j.job_id in inserted for m in outbox_messages(j, topics, created_at)]
    )
    return inserted


async def reopen_jobs(conn: AsyncConnection, topics: Topics, job_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    """Start a new attempt series for finished jobs (redrive, reprocess), in the caller's transaction.

    The job is PENDING again with attempts 0 and waits for the dispatcher; its earlier series
    stays in the event log, the dead letters and job_results. Unfinished ids are left alone.
    """
    rows = (await conn.execute(q.LOCK_FINISHED, {"ids": list(job_ids)})).mappings().all()
    now = utcnow()
    for r in rows:
        series = r["series"] + 1
        job = NewJob(
            job_type=JobType(r["type"]),
            payload=r["payload"],
            priority=r["priority"],
            max_attempts=r["max_attempts"],
            user_id=r["user_id"],
            site_id=r["site_id"],
            scheduled_for=now,
            idempotency_key=r["idempotency_key"],
            depends_on=tuple(r["depends_on"] or ()),
            parent_id=r["parent_id"],
            job_id=r["id"],
        )
        await conn.execute(q.REOPEN, {"id": r["id"], "series": series, "seq": event_seq(series, 0, 0)})
        await write_outbox(conn, outbox_messages(job, topics, r["created_at"], series))
    return [r["id"] for r in rows]


def job_to_api(job: Job | Row[Any], lease: LeaseInfo | None = None) -> dict[str, Any]:
    """A job as the API shows it (the seed's camelCase field names, plus ours): a running job also
    says which worker runs it and its last heartbeat; a held one that it waits for a run slot."""

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    running = lease is not None and lease.state != "held" and job.status == "PROCESSING"

    return {
        "id": str(job.id),
        "type": job.type,
        "status": job.status,
        "priority": job.priority,
        "progress": job.progress,
        "payload": job.payload,
        "result": job.result,
        "error": job.error,
        "attempts": job.attempts,
        "maxAttempts": job.max_attempts,
        "scheduledFor": iso(job.scheduled_for),
        "startedAt": iso(job.started_at),
        "completedAt": iso(job.completed_at),
        "createdAt": iso(job.created_at),
        "updatedAt": iso(job.updated_at),
        "userId": str(job.user_id) if job.user_id else None,
        "siteId": str(job.site_id) if job.site_id else None,
        "dependsOn": [str(d) for d in job.depends_on or []],
        "parentId": str(job.parent_id) if job.parent_id else None,
        "cancelRequested": job.cancel_requested_at is not None,
        "deadLettered": job.dead_lettered,
        "worker": lease.worker if running and lease else None,
        "heartbeatAt": iso(lease.heartbeat_at) if running and lease else None,
        "waitingForSlot": lease is not None and lease.state == "held" and job.status == "PENDING",
    }


def with_lease(stmt: Select[Any]) -> Select[Any]:
    """A select of jobs that also reads each job's lease (worker, state, last heartbeat)."""
    return stmt.add_columns(
        JobLease.worker.label("lease_worker"),
        JobLease.state.label("lease_state"),
        JobLease.heartbeat_at.label("lease_heartbeat_at"),
    ).outerjoin(JobLease, JobLease.job_id == Job.id)


def job_and_lease(row: Row[Any]) -> tuple[Job, LeaseInfo | None]:
    """A row of with_lease() as the job and its lease."""
    data = row._asdict()
    worker, state, beat = data.pop("lease_worker"), data.pop("lease_state"), data.pop("lease_heartbeat_at")
    return Job(**data), LeaseInfo(worker, state, beat) if worker is not None else None


class JobStore:
    """The jobs table and its outbox, for the API, the CLI and embedding code."""

    def __init__(self, engine: AsyncEngine, topics: Topics) -> None:
        self.engine = engine
        self.topics = topics

    async def enqueue(self, job: NewJob) -> tuple[uuid.UUID, bool]:
        """Create the job (or find it by its idempotency key); (job id, created?)."""
        async with self.engine.begin() as conn:
            return await self.enqueue_in(conn, job)

    async def enqueue_in(self, conn: AsyncConnection, job: NewJob) -> tuple[uuid.UUID, bool]:
        """Like enqueue, inside the caller's transaction."""
        if job.idempotency_key and job.user_id:
            existing = (
                await conn.execute(
                    q.CLAIM_IDEMPOTENCY_KEY, {"user_id": job.user_id, "key": job.idempotency_key}
                )
            ).scalar()
            if existing is not None:
                return existing, False
        created = await insert_job(conn, self.topics, job)
        if not created and job.idempotency_key and job.user_id:
            # A concurrent request with the same key won the race: answer with its job.
            existing = (
                await conn.execute(
                    q.FIND_BY_IDEMPOTENCY_KEY, {"user_id": job.user_id, "key": job.idempotency_key}
                )
            ).scalar()
            if existing is not None:
                return existing, False
        return job.job_id, created

    async def get(self, job_id: uuid.UUID, user_id: uuid.UUID | None = None) -> Job:
        """One job; NotFound when it does not exist or belongs to another user."""
        return (await self.get_with_lease(job_id, user_id))[0]

    async def get_with_lease(
        self, job_id: uuid.UUID, user_id: uuid.UUID | None = None
    ) -> tuple[Job, LeaseInfo | None]:
        """One job and its lease (None when no worker holds it); NotFound as get()."""
        async with self.engine.connect() as conn:
            stmt = with_lease(select(Job)).where(Job.id == job_id)
            if user_id is not None:
                stmt = stmt.where(Job.user_id == user_id)
            row = (await conn.execute(stmt)).first()
        if row is None:
            raise NotFound(f"job {job_id} not found")
        return job_and_lease(row)

    async def list(
        self,
        job_type: JobType | None = None,
        status: JobStatus | None = None,
        limit: int = 50,
        user_id: uuid.UUID | None = None,
    ) -> list[Job]:
        """Newest jobs first, filtered by type, status and owner."""
        return [job for job, _ in await self.list_with_leases(job_type, status, limit, user_id)]

    async def list_with_leases(
        self,
        job_type: JobType | None = None,
        status: JobStatus | None = None,
        limit: int = 50,
        user_id: uuid.UUID | None = None,
    ) -> Sequence[tuple[Job, LeaseInfo | None]]:
        """list(), each job with its lease."""
        stmt = (
            with_lease(select(Job)).order_by(Job.created_at.desc()).limit(min(max(limit, 1), MAX_LIST_LIMIT))
        )
        if job_type is not None:
            stmt = stmt.where(Job.type == job_type.value)
        if status is not None:
            stmt = stmt.where(Job.status == status.value)
        if user_id is not None:
            stmt = stmt.where(Job.user_id == user_id)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        return [job_and_lease(r) for r in rows]

    async def stats(self, user_id: uuid.UUID | None = None) -> dict[str, int]:
        """Counts per status and the total (the seed's shape, plus cancelled)."""
        return await job_stats(self.engine, user_id)

    async def cancel(
        self, job_id: uuid.UUID, user_id: uuid.UUID | None = None, reason: str = "cancelled by request"
    ) -> str:
        """Cancel a job: PENDING ends now, PROCESSING stops at its next checkpoint.

        Returns the job's status after the call; Conflict when it had already finished.
        """
        job = await self.get(job_id, user_id)
        async with self.engine.begin() as conn:
            seq = event_seq(job.series, job.attempts, FINAL_STEP)
            if (await conn.execute(q.CANCEL_PENDING, {"id": job_id, "seq": seq, "reason": reason})).first():
                event = JobEvent(
                    EventType.CANCELLED, str(job_id), job.type, job.attempts, seq, {"reason": reason}
                )
                await write_outbox(conn, [(self.topics.job_events, event)])
                return JobStatus.CANCELLED.value
            if (await conn.execute(q.REQUEST_CANCEL, {"id": job_id})).first():
                return JobStatus.PROCESSING.value
        current = await self.get(job_id, user_id)
        if current.status == JobStatus.CANCELLED.value:
            return current.status  # cancelling twice is harmless
        raise Conflict(
            f"job {job_id} is {current.status} and can no longer be cancelled", status=current.status
        )

    async def cleanup_old(self, days_old: int, batch: int = 1000) -> int:
        """Delete finished jobs older than ``days_old`` days, in batches; how many went."""
        before = utcnow() - timedelta(days=days_old)
        total = 0
        while True:
            async with self.engine.begin() as conn:
                n = (await conn.execute(q.DELETE_OLD_JOBS, {"before": before, "limit": batch})).rowcount
            total += n
            if n < batch:
                return total
