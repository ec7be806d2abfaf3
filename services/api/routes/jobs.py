"""Reading and cancelling jobs: status, list, stats, cancel."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from seojobs.adapters.db.job_store import MAX_LIST_LIMIT
from seojobs.domain.jobs import JobStatus, JobType
from services.api.deps import CurrentUser, Queue, owner_scope

router = APIRouter(prefix="/api/jobs", tags=["jobs"])

#: Jobs a list returns when the caller does not say (the seed's getJobs default).
DEFAULT_LIST_LIMIT = 50


@router.get("")
async def list_jobs(
    user: CurrentUser, queue: Queue,
    job_type: Annotated[JobType | None, Query(alias="type")] = None,
    job_status: Annotated[JobStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST_LIMIT)] = DEFAULT_LIST_LIMIT,
) -> dict[str, Any]:
    """The caller's newest jobs (every job for an admin), filtered by type and status."""
    jobs = await queue.get_jobs(job_type, job_status, limit, user_id=owner_scope(user))
    return {"success": True, "jobs": jobs}


@router.get("/stats")
async def job_stats(user: CurrentUser, queue: Queue) -> dict[str, int]:
    """Counts per status and the total: the caller's own, or every job's for an admin."""
    return await queue.get_job_stats(owner_scope(user))


@router.get("/{job_id}/status")
async def job_status(job_id: uuid.UUID, user: CurrentUser, queue: Queue) -> dict[str, Any]:
    """One job with every field, progress included (404 for another user's job)."""
    return {"success": True, "job": await queue.get_job(job_id, owner_scope(user))}


@router.post("/{job_id}/cancel")
async def cancel_job(job_id: uuid.UUID, user: CurrentUser, queue: Queue) -> dict[str, Any]:
    """Cancel a job: PENDING ends now, PROCESSING stops at its next checkpoint; finished is 409."""
    new_status = await queue.cancel_job(job_id, owner_scope(user))
    return {"success": True, "jobId": str(job_id), "status": new_status}
