"""Pure decisions of the maintenance jobs: retention cutoffs, months, the site score. No I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from seojobs.domain.errors import ValidationFailed

#: Audit logs older than this are deleted by CLEANUP_ROLLBACKS.
AUDIT_LOG_RETENTION = timedelta(days=365)
#: Read notifications created longer ago than this are deleted by CLEANUP_ROLLBACKS.
READ_NOTIFICATION_RETENTION = timedelta(days=90)

#: Score penalty weight of one issue, by severity.
SEVERITY_WEIGHTS: dict[str, int] = {"high": 5, "medium": 2, "low": 1}
#: Points lost per unit of weighted issues per page (one high issue on every page costs 50).
PENALTY_PER_WEIGHT_PER_PAGE = 10
#: Best and worst score a site can have.
MAX_SCORE, MIN_SCORE = 100, 0

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class CleanupCutoffs:
    """The instants before which each kind of row is old enough to be deleted."""

    now: datetime
    rollbacks_created_before: datetime
    jobs_completed_before: datetime
    audit_logs_before: datetime
    notifications_before: datetime


def cleanup_cutoffs(now: datetime, days_old: int, retention_days: int) -> CleanupCutoffs:
    """The cutoffs of one cleanup run at ``now`` (rollbacks: ``days_old``; jobs: retention)."""
    if now.tzinfo is None:
        raise ValidationFailed("now must be timezone-aware", field="now")
    return CleanupCutoffs(
        now=now,
        rollbacks_created_before=now - timedelta(days=days_old),
        jobs_completed_before=now - timedelta(days=retention_days),
        audit_logs_before=now - AUDIT_LOG_RETENTION,
        notifications_before=now - READ_NOTIFICATION_RETENTION,
    )


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, written YYYY-MM."""

    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def start(self) -> datetime:
        """The first instant of the month, UTC."""
        return datetime(self.year, self.month, 1, tzinfo=UTC)


def parse_month(value: str) -> Month:
    """The month written YYYY-MM (01-12), or raise ValidationFailed."""
    match = _MONTH.match(value)
    if match is None:
        raise ValidationFailed(f"month must be in YYYY-MM format, e.g. 2024-01, got {value!r}", field="month")
    year = int(match.group(1))
    if year < 1:
        raise ValidationFailed(f"year must be 0001 or later, got {value!r}", field="month")
    return Month(year, int(match.group(2)))


def next_month(month: Month) -> Month:
    """The month after ``month`` (December rolls over to January)."""
    if month.month == 12:
        return Month(month.year + 1, 1)
    return Month(month.year, month.month + 1)


def month_of(instant: datetime) -> Month:
    """The UTC calendar month an aware instant falls in."""
    if instant.tzinfo is None:
        raise ValidationFailed("instant must be timezone-aware", field="instant")
    utc = instant.astimezone(UTC)
    return Month(utc.year, utc.month)


@dataclass(frozen=True)
class CrawlFigures:
    """What the latest crawl of a site found: issues by severity and pages seen."""

    issues_high: int
    issues_medium: int
    issues_low: int
    pages: int


def site_score(figures: CrawlFigures) -> int:
    """The site's score, 0-100: 100 minus the weighted issues per page, times ten, rounded up.

    penalty = ceil(10 * (5 * high + 2 * medium + 1 * low) / max(pages, 1));
    score = clamp(100 - penalty, 0, 100). Rounding up means any issue costs at least a point;
    dividing by pages keeps a large site with a few issues from scoring like a broken one.
    """
    weighted = (
        SEVERITY_WEIGHTS["high"] * figures.issues_high
        + SEVERITY_WEIGHTS["medium"] * figures.issues_medium
        + SEVERITY_WEIGHTS["low"] * figures.issues_low
    )
    pages = max(figures.pages, 1)
    penalty = -(-(PENALTY_PER_WEIGHT_PER_PAGE * weighted) // pages)
    return max(MIN_SCORE, min(MAX_SCORE, MAX_SCORE - penalty))
