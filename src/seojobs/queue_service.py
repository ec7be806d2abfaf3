"""The seed's QueueService for code that embeds the queue: enqueue, read, count, cancel, clean."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from seojobs.adapters.db.job_reads import JobFilter, list_page, read_job, row_lease
from seojobs.adapters.db.job_store import JobStore, insert_plain_jobs, is_plain, job_to_api
from seojobs.adapters.db.models import Job
from seojobs.adapters.db.usage import count_usage, crawl_in_flight, site_and_plan, user_plan
from seojobs.domain.errors import Conflict, NotFound, ValidationFailed
from seojobs.domain.events import utcnow
from seojobs.domain.jobs import JobStatus, JobType
from seojobs.domain.lanes import check_priority
from seojobs.domain.payloads import DEFAULT_MAX_PAGES, DEFAULT_ROLLBACK_DAYS
from seojobs.domain.plans import DEFAULT_PLANS, PlanPolicy, effective_priority, quota_of
from seojobs.domain.registry import owns_site, spec_of, validate_payload
from seojobs.domain.requests import NewJob
from seojobs.domain.topics import Topics
from seojobs.pipeline.dispatcher import DEFAULT_WINDOW, Dispatcher

#: Attempts a job gets when the caller does not say (the seed's JOB_MAX_ATTEMPTS default).
DEFAULT_MAX_ATTEMPTS = 3
#: Age in days past which finished jobs are removed (the seed's JOB_RETENTION_DAYS default).
DEFAULT_RETENTION_DAYS = 30
#: Longest Idempotency-Key the jobs table holds.
MAX_IDEMPOTENCY_KEY_LENGTH = 200


@dataclass(frozen=True)
class Enqueued:
    """The outcome of an enqueue: the job's id, and False when an idempotent retry found it."""

    job_id: uuid.UUID
    created: bool


def check_idempotency_key(key: str | None) -> str | None:
    """Return the key, or raise when it is empty, too long or not printable ASCII."""
    if key is None:
        return None
    if not key or len(key) > MAX_IDEMPOTENCY_KEY_LENGTH or not (key.isascii() and key.isprintable()):
        raise ValidationFailed(
            f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters",
            field="Idempotency-Key",
        )
    return key


class QueueService:
    """Enqueue and manage jobs on top of the JobStore (row and outbox in one transaction)."""

    def __init__(
        self,
        engine: AsyncEngine,
        topics: Topics,
        *,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        dispatch_window: int = DEFAULT_WINDOW,
        plans: dict[str, PlanPolicy] | None = None,
        one_crawl_per_site: bool = True,
    ) -> None:
        self.engine = engine
        self.plans = plans or dict(DEFAULT_PLANS)
        self.one_crawl_per_site = one_crawl_per_site
        self.dispatch_window = dispatch_window
        self.store = JobStore(engine, topics)
        self.max_attempts = max_attempts

    def build(
        self,
        job_type: JobType,
        payload: dict[str, Any],
        *,
        priority: int | None = None,
        user_id: uuid.UUID | None = None,
        site_id: uuid.UUID | None = None,
        idempotency_key: str | None = None,
        scheduled_for: datetime | None = None,
        depends_on: Sequence[uuid.UUID] = (),
        max_attempts: int | None = None,
    ) -> NewJob:
        """A checked NewJob: payload validated, priority in 0..10 (type default when None)."""
        if scheduled_for is not None and scheduled_for.tzinfo is None:
            raise ValidationFailed(
                "scheduledFor needs a time zone, e.g. 2026-12-01T09:00:00Z", field="scheduledFor"
            )
        if len(set(depends_on)) != len(depends_on):
            raise ValidationFailed("dependsOn lists a job twice", field="dependsOn")
        return NewJob(
            job_type=job_type,
            payload=validate_payload(job_type, payload),
            priority=check_priority(spec_of(job_type).default_priority if priority is None else priority),
            max_attempts=max_attempts or self.max_attempts,
            user_id=user_id,
            site_id=site_id,
            scheduled_for=scheduled_for,
            idempotency_key=check_idempotency_key(idempotency_key),
            depends_on=tuple(depends_on),
        )

    async def submit_in(self, conn: AsyncConnection, job: NewJob) -> Enqueued:
        """Enqueue inside the caller's transaction: site, dependencies, plan, quota, exclusivity."""
        metered = owns_site(job.job_type) and job.user_id is not None
        plan: PlanPolicy | None = None
        if job.site_id is not None:  # the site's check and the plan's read are one round trip
            owner = job.user_id if owns_site(job.job_type) else None
            name = await site_and_plan(conn, job.site_id, owner, job.user_id if metered else None)
            plan = self._policy(name) if metered else None
        elif metered and job.user_id:
            plan = self._policy(await user_plan(conn, job.user_id))
        await self._check_dependencies(conn, job)
        if plan is not None:
            job = replace(job, priority=effective_priority(job.priority, plan))
        if self.one_crawl_per_site and job.job_type is JobType.CRAWL_SITE and job.site_id is not None:
            running = await crawl_in_flight(conn, job.site_id)
            if running is not None:
                return Enqueued(running, False)
        job_id, created = await self.store.enqueue_in(conn, job)
        if not created:
            existing = (await conn.execute(select(Job.type).where(Job.id == job_id))).scalar()
            if existing != job.job_type.value:
                raise Conflict(
                    f"this Idempotency-Key was already used for a {existing} job",
                    idempotency_key=job.idempotency_key,
                    job_id=str(job_id),
                )
        elif plan is not None and job.user_id is not None:
            counter = spec_of(job.job_type).quota
            if counter is not None:
                await count_usage(conn, job.user_id, counter, quota_of(plan, job.job_type), utcnow())
        return Enqueued(job_id, created)

    async def submit_many_in(self, conn: AsyncConnection, jobs: Sequence[NewJob]) -> list[Enqueued]:
        """Enqueue many jobs inside the caller's transaction, in order. Plain jobs (no site,
        dependency, idempotency key, plan or exclusivity to check) go in one statement; the others
        one by one through submit_in."""
        plain = {j.job_id for j in jobs if is_plain(j) and not owns_site(j.job_type)}
        inserted = await insert_plain_jobs(conn, self.store.topics, [j for j in jobs if j.job_id in plain])
        return [
            Enqueued(j.job_id, j.job_id in inserted) if j.job_id in plain else await self.submit_in(conn, j)
            for j in jobs
        ]

    async def submit_crawl_and_analysis(self, crawl: NewJob) -> tuple[Enqueued, Enqueued]:
        """A crawl and the analysis that waits for it, in one transaction (an idempotent retry or
        an already running crawl of the site answers with the existing pair)."""
        async with self.engine.begin() as conn:
            first = await self.submit_in(conn, crawl)
            if not first.created:
                existing = (
                    await conn.execute(
                        select(Job.id).where(
                            Job.type == JobType.ANALYZE_SITE.value, Job.depends_on == [first.job_id]
                        )
                    )
                ).scalar()
                if existing is not None:
                    return first, Enqueued(existing, False)
            payload = {"siteId": str(crawl.site_id), "userId": str(crawl.user_id)}
            analysis = self.build(
                JobType.ANALYZE_SITE,
                payload,
                user_id=crawl.user_id,
                site_id=crawl.site_id,
                depends_on=[first.job_id],
                max_attempts=crawl.max_attempts,
            )
            return first, await self.submit_in(conn, analysis)

    def _policy(self, name: str | None) -> PlanPolicy:
        return self.plans.get(name or "free") or self.plans.get("free") or DEFAULT_PLANS["free"]

    async def _check_dependencies(self, conn: AsyncConnection, job: NewJob) -> None:
        """Every dependency must exist and be visible to the job's owner (422 otherwise).

        A new job can only depend on jobs that exist already, and dependencies never change,
        so no cycle can form.
        """
        if not job.depends_on:
            return
        stmt = select(Job.id).where(Job.id.in_(job.depends_on))
        if job.user_id is not None and owns_site(job.job_type):
            stmt = stmt.where(Job.user_id == job.user_id)
        found = set((await conn.execute(stmt)).scalars())
        missing = [str(d) for d in job.depends_on if d not in found]
        if missing:
            raise ValidationFailed(
                f"dependsOn names unknown jobs: {', '.join(missing)}", field="dependsOn", unknown=missing
            )

    async def submit(
        self,
        job_type: JobType,
        payload: dict[str, Any],
        *,
        priority: int | None = None,
        user_id: uuid.UUID | None = None,
        site_id: uuid.UUID | None = None,
        idempotency_key: str | None = None,
        scheduled_for: datetime | None = None,
        depends_on: Sequence[uuid.UUID] = (),
        max_attempts: int | None = None,
    ) -> Enqueued:
        """Validate and enqueue one job in its own transaction."""
        job = self.build(
            job_type,
            payload,
            priority=priority,
            user_id=user_id,
            site_id=site_id,
            idempotency_key=idempotency_key,
            scheduled_for=scheduled_for,
            depends_on=depends_on,
            max_attempts=max_attempts,
        )
        async with self.engine.begin() as conn:
            return await self.submit_in(conn, job)

    async def enqueue_crawl(
        self,
        site_id: uuid.UUID,
        user_id: uuid.UUID,
        max_pages: int = DEFAULT_MAX_PAGES,
        priority: int = 5,
        *,
        render: str | None = None,
        idempotency_key: str | None = None,
    ) -> uuid.UUID:
        """Queue a crawl of one of the user's sites."""
        payload: dict[str, Any] = {"siteId": str(site_id), "userId": str(user_id), "maxPages": max_pages}
        if render is not None:
            payload["render"] = render
        result = await self.submit(
            JobType.CRAWL_SITE,
            payload,
            priority=priority,
            user_id=user_id,
            site_id=site_id,
            idempotency_key=idempotency_key,
        )
        return result.job_id

    async def enqueue_analysis(
        self, site_id: uuid.UUID, user_id: uuid.UUID, priority: int = 5, *, idempotency_key: str | None = None
    ) -> uuid.UUID:
        """Queue an AI analysis of one of the user's sites."""
        payload = {"siteId": str(site_id), "userId": str(user_id)}
        result = await self.submit(
            JobType.ANALYZE_SITE,
            payload,
            priority=priority,
            user_id=user_id,
            site_id=site_id,
            idempotency_key=idempotency_key,
        )
        return result.job_id

    async def enqueue_rollback_cleanup(
        self, days_old: int = DEFAULT_ROLLBACK_DAYS, priority: int = 2
    ) -> uuid.UUID:
        """Queue a cleanup of rollbacks older than ``days_old`` days."""
        result = await self.submit(JobType.CLEANUP_ROLLBACKS, {"daysOld": days_old}, priority=priority)
        return result.job_id

    async def enqueue_usage_reset(self, month: str, priority: int = 2) -> uuid.UUID:
        """Queue the usage reset of a month (YYYY-MM)."""
        result = await self.submit(JobType.RESET_USAGE, {"month": month}, priority=priority)
        return result.job_id

    async def get_job(self, job_id: uuid.UUID, user_id: uuid.UUID | None = None) -> dict[str, Any]:
        """A job in the API's shape; NotFound when missing or (with user_id) another user's."""
        return job_to_api(*row_lease(await read_job(self.engine, job_id, user_id)))

    async def get_job_status(
        self, job_id: uuid.UUID, user_id: uuid.UUID | None = None
    ) -> dict[str, Any] | None:
        """A job in the API's shape, or None when it does not exist."""
        try:
            return await self.get_job(job_id, user_id)
        except NotFound:
            return None

    async def get_jobs(
        self,
        type: JobType | None = None,
        status: JobStatus | None = None,
        limit: int = 50,
        user_id: uuid.UUID | None = None,
    ) -> list[dict[str, Any]]:
        """Newest jobs first, filtered by type, status and owner."""
        jobs, _ = await self.get_jobs_page(JobFilter(user_id, type, status), limit)
        return jobs

    async def get_jobs_page(
        self, filters: JobFilter, limit: int = 50
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of jobs newest first and the cursor of the next page (None after the last)."""
        rows, cursor = await list_page(self.engine, filters, limit)
        return [job_to_api(*row_lease(r)) for r in rows], cursor

    async def get_job_stats(self, user_id: uuid.UUID | None = None) -> dict[str, int]:
        """Counts per status and the total."""
        return await self.store.stats(user_id)

    async def cancel_job(self, job_id: uuid.UUID, user_id: uuid.UUID | None = None) -> str:
        """Cancel a job; its status afterwards (Conflict when it had finished)."""
        return await self.store.cancel(job_id, user_id)

    async def release_due(self, limit: int) -> list[dict[str, Any]]:
        """Send scheduled jobs whose time has come to their work topics."""
        released = await Dispatcher(
            self.engine, self.store.topics, window=self.dispatch_window, batch=limit
        ).dispatch()
        return [
            {"id": r.job_id, "type": r.job_type, "priority": r.priority, "topic": r.topic} for r in released
        ]

    async def cleanup_old_jobs(self, days_old: int = DEFAULT_RETENTION_DAYS) -> int:
        """Delete finished jobs older than ``days_old`` days; how many went."""
        if days_old < 1:
            raise ValidationFailed(f"days_old must be at least 1, got {days_old}", field="daysOld")
        return await self.store.cleanup_old(days_old)
