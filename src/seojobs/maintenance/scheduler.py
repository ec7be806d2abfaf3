"""The maintenance scheduler: APScheduler cron triggers that enqueue each due slot once."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.domain.jobs import JobType
from seojobs.maintenance.schedule import (
    DEFAULT_MISFIRE_GRACE,
    DueJob,
    Schedule,
    cron_trigger,
    due_job,
    maintenance_schedules,
)
from seojobs.maintenance.slots import slot_taken

log = logging.getLogger(__name__)

#: Enqueues a scheduled job for (name, slot) once: the job's id, or None if the slot was taken.
Enqueue = Callable[[JobType, dict[str, Any], datetime, str], Awaitable[uuid.UUID | None]]

#: APScheduler job id of the one-off catch-up run made at start.
CATCH_UP_JOB_ID = "maintenance-catch-up"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SlotOutcome:
    """What happened to one due slot: the job enqueued, or None when another instance had it."""

    job: DueJob
    job_id: uuid.UUID | None


class MaintenanceScheduler:
    """Fires the daily cleanup and monthly reset; the slot table makes every fire idempotent."""

    def __init__(
        self,
        engine: AsyncEngine,
        enqueue: Enqueue,
        daily_cron: str,
        monthly_cron: str,
        *,
        grace: timedelta = DEFAULT_MISFIRE_GRACE,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._engine = engine
        self._enqueue = enqueue
        self._schedules = maintenance_schedules(daily_cron, monthly_cron)
        self._grace = grace
        self._clock = clock
        self._scheduler: AsyncIOScheduler | None = None

    @property
    def schedules(self) -> tuple[Schedule, ...]:
        """The schedules this scheduler fires."""
        return self._schedules

    @property
    def running(self) -> bool:
        """True between start() and shutdown()."""
        return self._scheduler is not None and self._scheduler.running

    def start(self, *, catch_up: bool = True) -> None:
        """Start the cron triggers on the running event loop (and run one catch-up pass)."""
        if self._scheduler is not None:
            return
        scheduler = AsyncIOScheduler(timezone=UTC)
        grace_s = max(1, int(self._grace.total_seconds()))
        for schedule in self._schedules:
            scheduler.add_job(
                self._fire,
                cron_trigger(schedule.cron),
                args=[schedule],
                id=schedule.name,
                name=schedule.name,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=grace_s,
            )
        if catch_up:
            # A slot missed while no instance ran is still enqueued if within the grace time.
            scheduler.add_job(self._catch_up, id=CATCH_UP_JOB_ID, name=CATCH_UP_JOB_ID)
        scheduler.start()
        self._scheduler = scheduler

    def shutdown(self) -> None:
        """Stop the triggers; a fire already running finishes on its own."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None

    def next_fire_times(self) -> dict[str, datetime | None]:
        """When each schedule fires next (empty until started)."""
        if self._scheduler is None:
            return {}
        return {s.name: self._scheduler.get_job(s.name).next_run_time for s in self._schedules}

    async def run_due_now(self, now: datetime) -> list[SlotOutcome]:
        """Enqueue every slot due at ``now`` (within the grace time) that no one has claimed."""
        outcomes = []
        for schedule in self._schedules:
            outcome = await self.run_due(schedule, now)
            if outcome is not None:
                outcomes.append(outcome)
        return outcomes

    async def run_due(self, schedule: Schedule, now: datetime) -> SlotOutcome | None:
        """Enqueue one schedule's slot due at ``now``; None when no slot is due."""
        job = due_job(schedule, now, self._grace)
        if job is None:
            return None
        fields = {"schedule": job.name, "slot": job.slot.isoformat()}
        # The read skips the write transaction in the common case of a peer having fired first;
        # the enqueue's slot insert is what actually guarantees one job per slot.
        if await slot_taken(self._engine, job.name, job.slot):
            log.info("schedule slot already claimed", extra=fields)
            return SlotOutcome(job, None)
        job_id = await self._enqueue(job.job_type, dict(job.payload), job.slot, job.name)
        if job_id is None:
            log.info("schedule slot claimed by another instance", extra=fields)
        else:
            log.info("scheduled job enqueued", extra={**fields, "job_id": str(job_id)})
        return SlotOutcome(job, job_id)

    async def _fire(self, schedule: Schedule) -> None:
        try:
            await self.run_due(schedule, self._clock())
        except Exception:
            # Logged, not raised: a peer instance may still take the slot, and one failed
            # enqueue must not stop the triggers.
            log.exception("scheduled enqueue failed", extra={"schedule": schedule.name})

    async def _catch_up(self) -> None:
        try:
            await self.run_due_now(self._clock())
        except Exception:
            log.exception("maintenance catch-up failed")
