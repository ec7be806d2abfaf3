"""Plans: what a user's plan does to their jobs' priority, and how many jobs a month it allows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from seojobs.domain.jobs import MAX_PRIORITY, MIN_PRIORITY, JobType
from seojobs.domain.registry import spec_of


@dataclass(frozen=True)
class PlanPolicy:
    """A plan's priority cap and boost, and its monthly quotas (None: unlimited)."""

    cap: int
    boost: int
    monthly_crawls: int | None
    monthly_analyses: int | None


#: The plans users can have, as shipped (overridable through the settings).
DEFAULT_PLANS: dict[str, PlanPolicy] = {
    "free": PlanPolicy(cap=5, boost=0, monthly_crawls=100, monthly_analyses=20),
    "pro": PlanPolicy(cap=8, boost=1, monthly_crawls=2000, monthly_analyses=500),
    "enterprise": PlanPolicy(cap=10, boost=2, monthly_crawls=None, monthly_analyses=None),
}


def effective_priority(requested: int, plan: PlanPolicy) -> int:
    """The priority a job gets: the requested one plus the plan's boost, at most the plan's cap."""
    return max(MIN_PRIORITY, min(requested + plan.boost, plan.cap, MAX_PRIORITY))


def quota_of(plan: PlanPolicy, job_type: JobType) -> int | None:
    """How many jobs of this type the plan allows a month (None: unlimited or not metered)."""
    counter = spec_of(job_type).quota
    if counter == "crawls":
        return plan.monthly_crawls
    if counter == "analyses":
        return plan.monthly_analyses
    return None


def month_of(when: datetime) -> str:
    """The usage month (YYYY-MM, UTC) of an instant."""
    return when.astimezone(UTC).strftime("%Y-%m")


def next_reset(when: datetime) -> datetime:
    """When the usage month after ``when`` opens (the 1st, 00:00 UTC)."""
    when = when.astimezone(UTC)
    year, month = (when.year + 1, 1) if when.month == 12 else (when.year, when.month + 1)
    return datetime(year, month, 1, tzinfo=UTC)
