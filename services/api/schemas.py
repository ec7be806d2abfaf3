"""Request bodies of the API (module level, so FastAPI can resolve the annotations)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from seojobs.domain.jobs import MAX_PRIORITY, MIN_PRIORITY
from seojobs.domain.payloads import DEFAULT_MAX_PAGES, DEFAULT_ROLLBACK_DAYS, MAX_MAX_PAGES

#: Most jobs one job may depend on.
MAX_DEPENDENCIES = 100
#: Most attempts a request may ask for.
MAX_ATTEMPTS_PER_JOB = 20
#: Most days a cleanup may look back (a century).
MAX_DAYS_OLD = 36500


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _priority(default: int | None) -> int | None:
    return Field(
        default,
        ge=MIN_PRIORITY,
        le=MAX_PRIORITY,
        description="0 (lowest) to 10 (highest); the job type's default when absent",
    )


class _JobBody(_Body):
    """What every enqueue may add: when, after which jobs, how many attempts."""

    scheduled_for: datetime | None = Field(
        None, alias="scheduledFor", description="Do not start before this instant (ISO 8601 with zone)"
    )
    depends_on: list[uuid.UUID] = Field(
        default_factory=list,
        alias="dependsOn",
        max_length=MAX_DEPENDENCIES,
        description="Start only when all these jobs COMPLETED; cancelled if one fails or is cancelled",
    )
    max_attempts: int | None = Field(None, alias="maxAttempts", ge=1, le=MAX_ATTEMPTS_PER_JOB)


class CrawlRequest(_JobBody):
    """POST /api/jobs/crawl (``analyze: true`` also queues the analysis that waits for it)."""

    site_id: uuid.UUID = Field(alias="siteId")
    max_pages: int = Field(DEFAULT_MAX_PAGES, alias="maxPages", ge=1, le=MAX_MAX_PAGES)
    priority: int | None = _priority(None)
    render: Literal["browser", "http"] | None = None
    analyze: bool = False


class AnalysisRequest(_JobBody):
    """POST /api/jobs/analysis."""

    site_id: uuid.UUID = Field(alias="siteId")
    priority: int | None = _priority(None)


class CleanupRequest(_JobBody):
    """POST /api/jobs/cleanup."""

    days_old: int = Field(DEFAULT_ROLLBACK_DAYS, alias="daysOld", ge=1, le=MAX_DAYS_OLD)
    priority: int | None = _priority(None)


class UsageResetRequest(_JobBody):
    """POST /api/jobs/usage-reset."""

    month: str = Field(description="The month that opens, YYYY-MM", examples=["2024-01"])
    priority: int | None = _priority(None)


class SyncMetricsRequest(_JobBody):
    """POST /api/jobs/sync-metrics."""

    site_id: uuid.UUID | None = Field(None, alias="siteId")
    priority: int | None = _priority(None)


class SiteRequest(_Body):
    """POST /api/sites."""

    url: str = Field(max_length=2048, examples=["https://example.com"])
    name: str = Field(min_length=1, max_length=200)
