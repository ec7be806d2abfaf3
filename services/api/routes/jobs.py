"""Reading and cancelling jobs: status, list, stats, cancel."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from seojobs.adapters.db.job_reads import JobFilter
from seojobs.adapters.db.job_store import MAX_LIST_LIMIT
from seojobs.domain.jobs import JobStatus, JobType
from services.api.deps import CurrentUser, Queue, owner_scope
from services.api.responses import OrjsonResponse
from services.api.views import JobListResponse, JobStatusResponse

router = APIRouter(prefix="/api/jobs", tags=["jobs"])

#: Jobs a list returns when the caller does not say (the seed's getJobs default).
DEFAULT_LIST_LIMIT = 50


@router.get("", response_model=JobListResponse)
async def list_jobs(
    user: CurrentUser,
    queue: Queue,
    job_type: Annotated[JobType | None, Query(alias="type")] = None,
    job_status: Annotated[JobStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST_LIMIT)] = DEFAULT_LIST_LIMIT,
    site_id: Annotated[uuid.UUID | None, Query(alias="siteId", description="jobs of this site only")] = None,
    since: Annotated[datetime | None, Query(description="created at or after this time")] = None,
    until: Annotated[datetime | None, Query(description="created before this time")] = None,
    after: Annotated[
        str | None, Query(max_length=200, description="the nextCursor of the previous page")
    ] = None,
) -> OrjsonResponse:
    """The caller's newest jobs (every job for an admin), filtered by type, status, site and
    creation time, a page at a time: pass the answer's ``nextCursor`` as ``after`` (null: last page)."""
    filters = JobFilter(owner_scope(user), job_type, job_status, site_id, since, until, after)
    jobs, cursor = await queue.get_jobs_page(filters, limit)
    return OrjsonResponse({"success": True, "jobs": jobs, "nextCursor": cursor})


@router.get("/stats", response_model=dict[str, int])
async def job_stats(user: CurrentUser, queue: Queue) -> OrjsonResponse:
    """Counts per status and the total: the caller's own, or every job's for an admin."""
    return OrjsonResponse(await queue.get_job_stats(owner_scope(user)))


@router.get("/{job_id}/status", response_model=JobStatusResponse)
async def job_status(job_id: uuid.UUID, user: CurrentUser, queue: Queue) -> OrjsonResponse:
    """One job with every field, progress included (404 for another user's job)."""
    return OrjsonResponse({"success": True, "job": await queue.get_job(job_id, owner_scope(user))})


@router.post("/{job_id}/cancel")
async def cancel_job(job_id: uuid.UUID, user: CurrentUser, queue: Queue) -> dict[str, Any]:
    """Cancel a job: PENDING ends now, PROCESSING stops at its next checkpoint; finished is 409."""
    new_status = await queue.cancel_job(job_id, owner_scope(user))
    return {"success": True, "jobId": str(job_id), "status": new_status}
