"""Pure schedule logic: due cron slots and the job each slot enqueues."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from seojobs.domain.errors import ValidationFailed
from seojobs.domain.jobs import JobType
from seojobs.domain.registry import validate_payload
from seojobs.maintenance.schedule import (
    DAILY_CLEANUP,
    MONTHLY_RESET,
    DueJob,
    due_jobs,
    due_slot,
    maintenance_schedules,
    payload_for,
)

DAILY, MONTHLY = "0 0 * * *", "0 0 1 * *"
HOUR = timedelta(hours=1)


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    """An instant in UTC."""
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


@pytest.mark.parametrize(
    ("cron", "now", "grace", "expected"),
    [
        (DAILY, at(2024, 3, 5, 0, 0), HOUR, at(2024, 3, 5, 0, 0)),  # right on the slot
        (DAILY, at(2024, 3, 5, 0, 0, 0, 250000), HOUR, at(2024, 3, 5, 0, 0)),  # a tick a bit late
        (DAILY, at(2024, 3, 5, 0, 45), HOUR, at(2024, 3, 5, 0, 0)),  # within the grace
        (DAILY, at(2024, 3, 5, 1, 0), HOUR, at(2024, 3, 5, 0, 0)),  # grace is inclusive
        (DAILY, at(2024, 3, 5, 1, 0, 1), HOUR, None),  # past the grace
        (DAILY, at(2024, 3, 4, 23, 59, 59), HOUR, None),  # before midnight
        (DAILY, at(2024, 3, 5, 12, 0), timedelta(days=1), at(2024, 3, 5, 0, 0)),
        (MONTHLY, at(2024, 3, 1, 0, 0, 5), HOUR, at(2024, 3, 1, 0, 0)),
        (MONTHLY, at(2024, 3, 2, 0, 0), HOUR, None),
        (MONTHLY, at(2025, 1, 1, 0, 30), HOUR, at(2025, 1, 1, 0, 0)),
        (MONTHLY, at(2024, 3, 20), timedelta(days=40), at(2024, 3, 1)),  # latest of two
        ("*/15 * * * *", at(2024, 3, 5, 10, 50), HOUR, at(2024, 3, 5, 10, 45)),  # latest in window
    ],
)
def test_due_slot(cron: str, now: datetime, grace: timedelta, expected: datetime | None) -> None:
    assert due_slot(cron, now, grace) == expected


def test_due_slot_converts_other_timezones_to_utc() -> None:
    now = datetime(2024, 3, 5, 2, 10, tzinfo=timezone(timedelta(hours=2)))
    slot = due_slot(DAILY, now)
    assert slot == at(2024, 3, 5, 0, 0)
    assert slot is not None and slot.utcoffset() == timedelta(0)


def test_due_slot_rejects_naive_now() -> None:
    with pytest.raises(ValidationFailed):
        due_slot(DAILY, datetime(2024, 3, 5))


@pytest.mark.parametrize("cron", ["", "0 0 * *", "61 0 * * *", "every day"])
def test_invalid_cron_expressions_are_rejected(cron: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        maintenance_schedules(cron, MONTHLY)
    assert info.value.details == {"field": "cron"}


@pytest.mark.parametrize(
    ("job_type", "slot", "payload"),
    [
        (JobType.CLEANUP_ROLLBACKS, at(2024, 3, 5), {"daysOld": 90}),
        (JobType.RESET_USAGE, at(2024, 3, 1), {"month": "2024-03"}),
        (JobType.RESET_USAGE, at(2024, 12, 1), {"month": "2024-12"}),
        (JobType.SYNC_METRICS, at(2024, 3, 5), {}),
    ],
)
def test_payload_for_each_scheduled_type(
    job_type: JobType, slot: datetime, payload: dict[str, object]
) -> None:
    assert payload_for(job_type, slot) == payload
    # What the scheduler enqueues passes the same validation as any API request.
    assert validate_payload(job_type, payload_for(job_type, slot)) == payload


def test_payload_for_rejects_unscheduled_types() -> None:
    with pytest.raises(ValidationFailed):
        payload_for(JobType.CRAWL_SITE, at(2024, 3, 5))


def test_first_of_month_midnight_enqueues_both_jobs() -> None:
    schedules = maintenance_schedules(DAILY, MONTHLY)
    jobs = due_jobs(schedules, at(2024, 4, 1, 0, 0, 1))
    assert jobs == [
        DueJob(DAILY_CLEANUP, at(2024, 4, 1), JobType.CLEANUP_ROLLBACKS, {"daysOld": 90}),
        DueJob(MONTHLY_RESET, at(2024, 4, 1), JobType.RESET_USAGE, {"month": "2024-04"}),
    ]


def test_mid_month_midnight_enqueues_only_the_cleanup() -> None:
    jobs = due_jobs(maintenance_schedules(DAILY, MONTHLY), at(2024, 4, 17, 0, 0))
    assert [(j.name, j.job_type) for j in jobs] == [(DAILY_CLEANUP, JobType.CLEANUP_ROLLBACKS)]


def test_noon_enqueues_nothing() -> None:
    assert due_jobs(maintenance_schedules(DAILY, MONTHLY), at(2024, 4, 17, 12, 0)) == []
