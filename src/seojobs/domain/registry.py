"""The job-type registry: one declaration per job type, every other table derived from it.

Like dramatiq's ``@actor(queue_name=, time_limit=)`` or procrastinate's ``@app.task(queue=,
retry=)``, a :class:`JobSpec` holds all the facts of a type in one place: the service that runs
it, its payload and result models, its default priority, time limit and retry delays, the quota
counter it is metered against and whether its site must belong to the requesting user. The
topics, lanes, API routes, quota checks and the migration's allowed values are derived from
these specs, or checked against them by ``tests/unit/core/test_core_registry.py``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from seojobs.domain.bench_jobs import BENCH_SPECS
from seojobs.domain.contracts.results import (
    AnalysisResult,
    CleanupResult,
    CrawlResult,
    SyncMetricsResult,
    UsageResetResult,
)
from seojobs.domain.errors import ValidationFailed
from seojobs.domain.job_spec import JobRegistry, JobSpec
from seojobs.domain.jobs import JobType, Service
from seojobs.domain.payloads import (
    AnalysisPayload,
    CleanupPayload,
    CrawlPayload,
    SyncMetricsPayload,
    UsageResetPayload,
    explain,
)
from seojobs.domain.sitemap_check import SitemapCheckPayload, SitemapCheckResult

#: The product's job types: the seed's five and the sitemap check.
PRODUCT = JobRegistry(
    (
        JobSpec(
            JobType.CRAWL_SITE,
            Service.CRAWLER,
            CrawlPayload,
            CrawlResult,
            time_limit_s=900.0,
            quota="crawls",
            owned_site=True,
        ),
        JobSpec(
            JobType.ANALYZE_SITE,
            Service.ANALYZER,
            AnalysisPayload,
            AnalysisResult,
            quota="analyses",
            owned_site=True,
        ),
        JobSpec(
            JobType.CLEANUP_ROLLBACKS, Service.MAINTENANCE, CleanupPayload, CleanupResult, default_priority=2
        ),
        JobSpec(
            JobType.RESET_USAGE, Service.MAINTENANCE, UsageResetPayload, UsageResetResult, default_priority=2
        ),
        JobSpec(
            JobType.SYNC_METRICS,
            Service.MAINTENANCE,
            SyncMetricsPayload,
            SyncMetricsResult,
            default_priority=4,
        ),
        JobSpec(
            JobType.SITEMAP_CHECK,
            Service.CRAWLER,
            SitemapCheckPayload,
            SitemapCheckResult,
            time_limit_s=120.0,
            owned_site=True,
            handler="seojobs.handlers.sitemap_check:build",
            route="sitemap-check",
        ),
    )
)


#: Every type a message may carry, the bench's too: routing, topics and the SQL's allowed values.
KNOWN = PRODUCT.including(*BENCH_SPECS)


def spec_of(job_type: JobType) -> JobSpec:
    """The spec of any known type (product or bench)."""
    return KNOWN.spec(job_type)


def enabled(bench_enabled: bool) -> JobRegistry:
    """The types a deployment accepts and runs: the product's, plus the bench's when enabled."""
    return KNOWN if bench_enabled else PRODUCT


def job_types_of(service: Service) -> tuple[JobType, ...]:
    """The known job types one service runs (its delay topics and dispatch lanes)."""
    return tuple(s.job_type for s in KNOWN.of_service(service))


def owns_site(job_type: JobType) -> bool:
    """Whether a job of this type acts on a site for its owner (who must be the requester)."""
    return spec_of(job_type).owned_site


def validate_payload(job_type: JobType, payload: dict[str, Any]) -> dict[str, Any]:
    """Check a payload and return its normal JSON form (camelCase keys), or raise."""
    parsed: BaseModel = parse_payload(job_type, payload)
    return parsed.model_dump(mode="json", by_alias=True, exclude_none=True)


def parse_payload(job_type: JobType, payload: dict[str, Any]) -> Any:
    """The typed payload model of a job (raises ValidationFailed)."""
    try:
        return spec_of(job_type).payload.model_validate(payload)
    except ValidationError as exc:
        raise ValidationFailed(f"invalid {job_type.value} payload: {explain(exc)}") from exc
