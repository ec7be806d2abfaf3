"""Pure schedule logic: which cron slot is due at an instant, and which job it enqueues."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from seojobs.domain.errors import ValidationFailed
from seojobs.domain.jobs import JobType
from seojobs.domain.payloads import DEFAULT_ROLLBACK_DAYS
from seojobs.maintenance.rules import month_of

#: Slot name of the daily cleanup (the primary key of schedule_slots is (name, slot)).
DAILY_CLEANUP = "daily-cleanup"
#: Slot name of the monthly usage reset.
MONTHLY_RESET = "monthly-usage-reset"
#: How late a slot may still be enqueued (after a restart or a slow tick); older ones are skipped.
DEFAULT_MISFIRE_GRACE = timedelta(hours=1)

#: Cron slots have whole-second resolution: stepping past a slot by this finds the next one.
_STEP = timedelta(seconds=1)


@dataclass(frozen=True)
class Schedule:
    """A named cron expression (UTC) that enqueues one job type."""

    name: str
    cron: str
    job_type: JobType


@dataclass(frozen=True)
class DueJob:
    """A job to enqueue for one slot of one schedule."""

    name: str
    slot: datetime
    job_type: JobType
    payload: dict[str, Any] = field(hash=False)


def cron_trigger(expr: str) -> CronTrigger:
    """The APScheduler trigger of a five-field cron expression in UTC, or raise ValidationFailed."""
    try:
        return CronTrigger.from_crontab(expr, timezone=UTC)
    except ValueError as exc:
        raise ValidationFailed(f"invalid cron expression {expr!r}: {exc}", field="cron") from exc


def maintenance_schedules(daily_cron: str, monthly_cron: str) -> tuple[Schedule, ...]:
    """The two maintenance schedules, their expressions checked."""
    schedules = (
        Schedule(DAILY_CLEANUP, daily_cron, JobType.CLEANUP_ROLLBACKS),
        Schedule(MONTHLY_RESET, monthly_cron, JobType.RESET_USAGE),
    )
    for schedule in schedules:
        cron_trigger(schedule.cron)
    return schedules


def due_slot(cron: str, now: datetime, grace: timedelta = DEFAULT_MISFIRE_GRACE) -> datetime | None:
    """The latest slot of ``cron`` in [now - grace, now], or None when none falls there."""
    if now.tzinfo is None:
        raise ValidationFailed("now must be timezone-aware", field="now")
    now = now.astimezone(UTC)
    trigger = cron_trigger(cron)
    latest: datetime | None = None
    candidate = trigger.get_next_fire_time(None, now - grace)
    while candidate is not None and candidate <= now:
        latest = candidate
        candidate = trigger.get_next_fire_time(candidate, candidate + _STEP)
    return None if latest is None else latest.astimezone(UTC)


def payload_for(job_type: JobType, slot: datetime) -> dict[str, Any]:
    """The payload a scheduled job of this type carries for this slot."""
    if job_type is JobType.CLEANUP_ROLLBACKS:
        return {"daysOld": DEFAULT_ROLLBACK_DAYS}
    if job_type is JobType.RESET_USAGE:
        return {"month": str(month_of(slot))}
    if job_type is JobType.SYNC_METRICS:
        return {}
    raise ValidationFailed(f"{job_type.value} is not a scheduled job type", field="job_type")


def due_job(schedule: Schedule, now: datetime, grace: timedelta = DEFAULT_MISFIRE_GRACE) -> DueJob | None:
    """The job one schedule must enqueue at ``now``, or None when no slot is due."""
    slot = due_slot(schedule.cron, now, grace)
    if slot is None:
        return None
    return DueJob(schedule.name, slot, schedule.job_type, payload_for(schedule.job_type, slot))


def due_jobs(
    schedules: tuple[Schedule, ...], now: datetime, grace: timedelta = DEFAULT_MISFIRE_GRACE
) -> list[DueJob]:
    """Every job the schedules must enqueue at ``now``, in schedule order."""
    return [job for s in schedules if (job := due_job(s, now, grace)) is not None]
