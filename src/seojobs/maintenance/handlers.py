"""The maintenance job handlers: cleanup, monthly usage reset, metrics sync."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import TextClause
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db.job_reads import fold_job_counts
from seojobs.domain.errors import RetryableError, ValidationFailed
from seojobs.domain.jobs import JobType
from seojobs.domain.payloads import CleanupPayload, UsageResetPayload
from seojobs.domain.registry import parse_payload
from seojobs.maintenance import queries
from seojobs.maintenance.metrics import sync_metrics
from seojobs.maintenance.rules import cleanup_cutoffs, parse_month
from seojobs.ports.worker import Handler, JobContext

#: Rows one statement deletes or updates: small enough that no batch holds locks for long.
DEFAULT_BATCH_SIZE = 1000


def utc_now() -> datetime:
    """The current instant, UTC."""
    return datetime.now(UTC)


def retry_on_db_outage(handler: Handler) -> Handler:
    """The handler with lost connections and server outages turned into RetryableError."""

    @functools.wraps(handler)
    async def run(ctx: JobContext) -> dict[str, Any]:
        try:
            return await handler(ctx)
        except (OperationalError, InterfaceError) as exc:
            # Every step commits on its own and is idempotent: a retry resumes where it stopped.
            raise RetryableError(f"database unavailable: {exc.orig!r}", job_id=str(ctx.job_id)) from exc

    return run


async def noop(ctx: JobContext) -> dict[str, Any]:
    """NOOP (benchmarks only): do nothing and succeed, so a benchmark measures the pipeline alone."""
    return {"success": True}


async def build_noop(settings: object, engine: object) -> Handler:
    """The NOOP handler, for the registry's bench spec (nothing to build)."""
    return noop


class MaintenanceHandlers:
    """The handlers of the maintenance service's job types, over one engine."""

    def __init__(
        self,
        engine: AsyncEngine,
        retention_days: int,
        batch_size: int = DEFAULT_BATCH_SIZE,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        if retention_days < 1:
            raise ValidationFailed("retention_days must be at least 1", field="retention_days")
        if batch_size < 1:
            raise ValidationFailed("batch_size must be at least 1", field="batch_size")
        self._engine = engine
        self._retention_days = retention_days
        self._batch_size = batch_size
        self._clock = clock

    def handlers(self) -> dict[JobType, Handler]:
        """The handler of each maintenance job type."""
        return {
            JobType.CLEANUP_ROLLBACKS: retry_on_db_outage(self.cleanup),
            JobType.RESET_USAGE: retry_on_db_outage(self.reset_usage),
            JobType.SYNC_METRICS: retry_on_db_outage(self.sync_metrics),
        }

    async def cleanup(self, ctx: JobContext) -> dict[str, Any]:
        """CLEANUP_ROLLBACKS: delete expired rollbacks, old jobs, audit logs, read notifications."""
        payload: CleanupPayload = parse_payload(JobType.CLEANUP_ROLLBACKS, ctx.payload)
        cut = cleanup_cutoffs(self._clock(), payload.days_old, self._retention_days)
        steps: list[tuple[str, TextClause, dict[str, Any]]] = [
            (
                "rollbacksCleaned",
                queries.DELETE_EXPIRED_ROLLBACKS,
                {"now": cut.now, "created_before": cut.rollbacks_created_before},
            ),
            (
                "jobsCleaned",
                queries.DELETE_COMPLETED_JOBS,
                {"completed_before": cut.jobs_completed_before, "self_id": ctx.job_id},
            ),
            ("auditLogsCleaned", queries.DELETE_OLD_AUDIT_LOGS, {"created_before": cut.audit_logs_before}),
            (
                "notificationsCleaned",
                queries.DELETE_READ_NOTIFICATIONS,
                {"created_before": cut.notifications_before},
            ),
        ]
        result: dict[str, Any] = {"success": True}
        for index, (key, statement, params) in enumerate(steps):
            percent = index * 100 // len(steps)
            await ctx.progress(percent, f"{key}: starting")
            result[key] = await self._in_batches(ctx, percent, key, statement, params)
        await ctx.progress(100, "cleanup done")
        return result

    async def _in_batches(
        self, ctx: JobContext, percent: int, key: str, statement: TextClause, params: dict[str, Any]
    ) -> int:
        """Run a bounded DELETE/UPDATE until a batch comes back short; each batch commits alone."""
        total = 0
        while True:
            async with self._engine.begin() as conn:
                outcome = await conn.execute(statement, {**params, "limit": self._batch_size})
                done = outcome.rowcount
            if statement is queries.DELETE_COMPLETED_JOBS:
                # Each batch leaves a count delta per owner, type and status it touched (about one
                # per row with many users): folded now, stats never read more than a batch's worth.
                await fold_job_counts(self._engine)
            total += done
            if done < self._batch_size:
                return total
            await ctx.progress(percent, f"{key}: {total}")

    async def reset_usage(self, ctx: JobContext) -> dict[str, Any]:
        """RESET_USAGE: zero the month's never-reset rows; create zeroed rows for active users."""
        payload: UsageResetPayload = parse_payload(JobType.RESET_USAGE, ctx.payload)
        month = str(parse_month(payload.month))
        now = self._clock()
        await ctx.progress(0, f"resetting usage of {month}")
        reset = await self._in_batches(
            ctx, 0, "usage reset", queries.RESET_NEVER_RESET_USAGE, {"month": month, "now": now}
        )
        await ctx.progress(50, f"{reset} usage records reset")
        created = 0
        while True:
            async with self._engine.begin() as conn:
                row = (
                    await conn.execute(
                        queries.CREATE_MISSING_USAGE, {"month": month, "now": now, "limit": self._batch_size}
                    )
                ).one()
            created += int(row.created)
            if row.seen < self._batch_size:
                break
            await ctx.progress(50, f"{created} usage records created")
        await ctx.progress(100, "usage reset done")
        return {"success": True, "usersReset": reset + created}

    async def sync_metrics(self, ctx: JobContext) -> dict[str, Any]:
        """SYNC_METRICS: recompute one site's metrics (siteId) or every site's."""
        return await sync_metrics(self._engine, ctx, self._batch_size, self._clock())
