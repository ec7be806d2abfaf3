"""Job types, statuses and the rules that say which status change may follow which."""

from __future__ import annotations

from enum import StrEnum


class JobType(StrEnum):
    """The kinds of work the platform runs (the seed's names)."""

    CRAWL_SITE = "CRAWL_SITE"
    ANALYZE_SITE = "ANALYZE_SITE"
    CLEANUP_ROLLBACKS = "CLEANUP_ROLLBACKS"
    RESET_USAGE = "RESET_USAGE"
    SYNC_METRICS = "SYNC_METRICS"
    #: Benchmark-only: does nothing; enqueued and run only when bench_enabled is set.
    NOOP = "NOOP"


class JobStatus(StrEnum):
    """Where a job is in its life (the seed's names)."""

    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


#: Statuses a job never leaves by itself (a redrive starts a new series instead).
TERMINAL_STATUSES = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED})

#: Lowest and highest priority a job may carry.
MIN_PRIORITY, MAX_PRIORITY = 0, 10

#: Default priority per job type (the seed's best practices: crawls high, maintenance low).
DEFAULT_PRIORITY: dict[JobType, int] = {
    JobType.CRAWL_SITE: 5,
    JobType.ANALYZE_SITE: 5,
    JobType.CLEANUP_ROLLBACKS: 2,
    JobType.RESET_USAGE: 2,
    JobType.SYNC_METRICS: 4,
    JobType.NOOP: 4,
}


class Service(StrEnum):
    """The consumer services; each owns the job types it runs."""

    CRAWLER = "crawler"
    ANALYZER = "analyzer"
    MAINTENANCE = "maintenance"


#: Which service runs which job type.
SERVICE_OF: dict[JobType, Service] = {
    JobType.CRAWL_SITE: Service.CRAWLER,
    JobType.ANALYZE_SITE: Service.ANALYZER,
    JobType.CLEANUP_ROLLBACKS: Service.MAINTENANCE,
    JobType.RESET_USAGE: Service.MAINTENANCE,
    JobType.SYNC_METRICS: Service.MAINTENANCE,
    JobType.NOOP: Service.MAINTENANCE,
}


def is_terminal(status: JobStatus) -> bool:
    """True when the status ends a job's attempt series."""
    return status in TERMINAL_STATUSES


def job_types_of(service: Service) -> tuple[JobType, ...]:
    """The job types one service runs."""
    return tuple(t for t, s in SERVICE_OF.items() if s is service)
