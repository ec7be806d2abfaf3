"""POST /api/jobs/<type>: queue crawls and analyses (users) and maintenance jobs (admins)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response, status

from seojobs.domain.jobs import JobType
from seojobs.queue_service import Enqueued
from services.api.deps import Admin, CurrentUser, IdempotencyKey, Queue
from services.api.schemas import (
    AnalysisRequest,
    CleanupRequest,
    CrawlRequest,
    SyncMetricsRequest,
    UsageResetRequest,
    _JobBody,
)

router = APIRouter(prefix="/api/jobs", tags=["enqueue"])

_ACCEPTED: dict[int | str, dict[str, Any]] = {
    200: {"description": "An Idempotency-Key retry: the first job's id, nothing created"},
}


def accepted(response: Response, result: Enqueued, message: str) -> dict[str, Any]:
    """The seed's 202 body (200 when an idempotent retry found the first job)."""
    if not result.created:
        response.status_code = status.HTTP_200_OK
    job_id = str(result.job_id)
    return {"success": True, "jobId": job_id, "message": message, "statusUrl": f"/api/jobs/{job_id}/status"}


def common(body: _JobBody) -> dict[str, Any]:
    """The options every enqueue passes on: when, after which jobs, how many attempts."""
    return {
        "scheduled_for": body.scheduled_for,
        "depends_on": body.depends_on,
        "max_attempts": body.max_attempts,
    }


@router.post("/crawl", status_code=status.HTTP_202_ACCEPTED, responses=_ACCEPTED)
async def enqueue_crawl(
    body: CrawlRequest,
    user: CurrentUser,
    queue: Queue,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Queue a crawl of one of the caller's sites (with ``analyze``, and its analysis)."""
    payload: dict[str, Any] = {
        "siteId": str(body.site_id),
        "userId": str(user.user_id),
        "maxPages": body.max_pages,
    }
    if body.render is not None:
        payload["render"] = body.render
    job = queue.build(
        JobType.CRAWL_SITE,
        payload,
        priority=body.priority,
        user_id=user.user_id,
        site_id=body.site_id,
        idempotency_key=idempotency_key,
        **common(body),
    )
    if not body.analyze:
        async with queue.engine.begin() as conn:
            result = await queue.submit_in(conn, job)
        return accepted(response, result, "Crawl job queued successfully")
    crawl, analysis = await queue.submit_crawl_and_analysis(job)
    body_out = accepted(response, crawl, "Crawl and analysis jobs queued successfully")
    body_out["analysisJobId"] = str(analysis.job_id)
    body_out["analysisStatusUrl"] = f"/api/jobs/{analysis.job_id}/status"
    return body_out


@router.post("/analysis", status_code=status.HTTP_202_ACCEPTED, responses=_ACCEPTED)
async def enqueue_analysis(
    body: AnalysisRequest,
    user: CurrentUser,
    queue: Queue,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Queue an AI analysis of one of the caller's sites."""
    payload = {"siteId": str(body.site_id), "userId": str(user.user_id)}
    result = await queue.submit(
        JobType.ANALYZE_SITE,
        payload,
        priority=body.priority,
        user_id=user.user_id,
        site_id=body.site_id,
        idempotency_key=idempotency_key,
        **common(body),
    )
    return accepted(response, result, "Analysis job queued successfully")


@router.post("/cleanup", status_code=status.HTTP_202_ACCEPTED, responses=_ACCEPTED)
async def enqueue_cleanup(
    admin: Admin,
    queue: Queue,
    response: Response,
    body: Annotated[CleanupRequest | None, Body()] = None,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Queue a cleanup of expired rollbacks and old data (admin)."""
    body = body or CleanupRequest.model_validate({})
    result = await queue.submit(
        JobType.CLEANUP_ROLLBACKS,
        {"daysOld": body.days_old},
        priority=body.priority,
        user_id=admin.user_id,
        idempotency_key=idempotency_key,
        **common(body),
    )
    return accepted(response, result, "Cleanup job queued successfully")


@router.post("/usage-reset", status_code=status.HTTP_202_ACCEPTED, responses=_ACCEPTED)
async def enqueue_usage_reset(
    body: UsageResetRequest,
    admin: Admin,
    queue: Queue,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Queue the monthly usage reset of a month, YYYY-MM (admin)."""
    result = await queue.submit(
        JobType.RESET_USAGE,
        {"month": body.month},
        priority=body.priority,
        user_id=admin.user_id,
        idempotency_key=idempotency_key,
        **common(body),
    )
    return accepted(response, result, "Usage reset job queued successfully")


@router.post("/sync-metrics", status_code=status.HTTP_202_ACCEPTED, responses=_ACCEPTED)
async def enqueue_sync_metrics(
    admin: Admin,
    queue: Queue,
    response: Response,
    body: Annotated[SyncMetricsRequest | None, Body()] = None,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Queue a metrics sync of one site, or of every site (admin)."""
    body = body or SyncMetricsRequest.model_validate({})
    payload = {"siteId": str(body.site_id)} if body.site_id else {}
    result = await queue.submit(
        JobType.SYNC_METRICS,
        payload,
        priority=body.priority,
        user_id=admin.user_id,
        site_id=body.site_id,
        idempotency_key=idempotency_key,
        **common(body),
    )
    return accepted(response, result, "Metrics sync job queued successfully")
