"""Request bodies of the API (module level, so FastAPI can resolve the annotations)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from seojobs.domain.jobs import MAX_PRIORITY, MIN_PRIORITY
from seojobs.domain.payloads import DEFAULT_MAX_PAGES, DEFAULT_ROLLBACK_DAYS, MAX_MAX_PAGES

#: Most days a cleanup may look back (a century).
MAX_DAYS_OLD = 36500


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _priority(default: int | None) -> int | None:
    return Field(default, ge=MIN_PRIORITY, le=MAX_PRIORITY,
                 description="0 (lowest) to 10 (highest); the job type's default when absent")


class CrawlRequest(_Body):
    """POST /api/jobs/crawl."""

    site_id: uuid.UUID = Field(alias="siteId")
    max_pages: int = Field(DEFAULT_MAX_PAGES, alias="maxPages", ge=1, le=MAX_MAX_PAGES)
    priority: int | None = _priority(None)
    render: Literal["browser", "http"] | None = None


class AnalysisRequest(_Body):
    """POST /api/jobs/analysis."""

    site_id: uuid.UUID = Field(alias="siteId")
    priority: int | None = _priority(None)


class CleanupRequest(_Body):
    """POST /api/jobs/cleanup."""

    days_old: int = Field(DEFAULT_ROLLBACK_DAYS, alias="daysOld", ge=1, le=MAX_DAYS_OLD)
    priority: int | None = _priority(None)


class UsageResetRequest(_Body):
    """POST /api/jobs/usage-reset."""

    month: str = Field(description="The month that opens, YYYY-MM", examples=["2024-01"])
    priority: int | None = _priority(None)


class SyncMetricsRequest(_Body):
    """POST /api/jobs/sync-metrics."""

    site_id: uuid.UUID | None = Field(None, alias="siteId")
    priority: int | None = _priority(None)


class SiteRequest(_Body):
    """POST /api/sites."""

    url: str = Field(max_length=2048, examples=["https://example.com"])
    name: str = Field(min_length=1, max_length=200)
