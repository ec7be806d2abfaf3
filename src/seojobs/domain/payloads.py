"""What each job type's payload must hold (validated through ``registry.validate_payload``)."""

from __future__ import annotations

import re
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

#: Pages a crawl visits when the request does not say (the seed's default).
DEFAULT_MAX_PAGES = 10
#: Most pages one crawl may visit.
MAX_MAX_PAGES = 1000
#: Age in days past which expired rollbacks are cleaned (the seed's default).
DEFAULT_ROLLBACK_DAYS = 90

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class CrawlPayload(_Payload):
    """CRAWL_SITE: which site, for whom, how many pages, how to render."""

    site_id: uuid.UUID = Field(alias="siteId")
    user_id: uuid.UUID = Field(alias="userId")
    max_pages: int = Field(DEFAULT_MAX_PAGES, alias="maxPages", ge=1, le=MAX_MAX_PAGES)
    render: Literal["browser", "http"] = "browser"


class AnalysisPayload(_Payload):
    """ANALYZE_SITE: which site, for whom."""

    site_id: uuid.UUID = Field(alias="siteId")
    user_id: uuid.UUID = Field(alias="userId")


class CleanupPayload(_Payload):
    """CLEANUP_ROLLBACKS: how old an expired rollback must be to go."""

    days_old: int = Field(DEFAULT_ROLLBACK_DAYS, alias="daysOld", ge=1, le=36500)


class UsageResetPayload(_Payload):
    """RESET_USAGE: the month (YYYY-MM) that opens."""

    month: str

    @field_validator("month")
    @classmethod
    def _month(cls, value: str) -> str:
        if not _MONTH.match(value):
            raise ValueError("month must be in YYYY-MM format, e.g. 2024-01")
        return value


class SyncMetricsPayload(_Payload):
    """SYNC_METRICS: one site, or every site when absent."""

    site_id: uuid.UUID | None = Field(None, alias="siteId")


def explain(exc: ValidationError) -> str:
    """One readable sentence per problem in a pydantic error."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "payload"
        msg = str(err["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {msg}")
    return "; ".join(parts)
