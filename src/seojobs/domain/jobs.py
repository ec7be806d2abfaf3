"""Job type names, statuses and services (each type's facts are declared in ``registry.py``)."""

from __future__ import annotations

from enum import StrEnum


class JobType(StrEnum):
    """The kinds of work the platform runs (the seed's names)."""

    CRAWL_SITE = "CRAWL_SITE"
    ANALYZE_SITE = "ANALYZE_SITE"
    CLEANUP_ROLLBACKS = "CLEANUP_ROLLBACKS"
    RESET_USAGE = "RESET_USAGE"
    SYNC_METRICS = "SYNC_METRICS"
    SITEMAP_CHECK = "SITEMAP_CHECK"
    #: Benchmark-only: declared in ``domain/bench_jobs.py``, run only when bench_enabled is set.
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


class Service(StrEnum):
    """The consumer services; each owns the job types it runs."""

    CRAWLER = "crawler"
    ANALYZER = "analyzer"
    MAINTENANCE = "maintenance"


def is_terminal(status: JobStatus) -> bool:
    """True when the status ends a job's attempt series."""
    return status in TERMINAL_STATUSES
