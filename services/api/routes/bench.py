"""POST /api/jobs/noop[/bulk]: the benchmark-only no-op job (admin, and only with bench_enabled)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Response, status
from pydantic import BaseModel, ConfigDict, Field

from seojobs.domain.jobs import JobType
from services.api.deps import Admin, IdempotencyKey, Queue, SettingsDep
from services.api.routes.enqueue import accepted

#: Most no-op jobs one bulk request may queue (one transaction).
MAX_BULK = 1000


async def bench_only(settings: SettingsDep) -> None:
    """Hide the benchmark endpoints (404) unless the server runs with bench_enabled."""
    if not settings.bench_enabled:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")


router = APIRouter(prefix="/api/jobs", tags=["bench"], dependencies=[Depends(bench_only)])

_HIDDEN: dict[int | str, dict[str, Any]] = {
    200: {"description": "An Idempotency-Key retry: the first job's id, nothing created"},
    404: {"description": "Benchmarks are not enabled on this server"},
}


class NoopRequest(BaseModel):
    """POST /api/jobs/noop."""

    model_config = ConfigDict(extra="forbid")
    tag: str | None = Field(None, max_length=100)


class NoopBulkRequest(BaseModel):
    """POST /api/jobs/noop/bulk."""

    model_config = ConfigDict(extra="forbid")
    count: int = Field(ge=1, le=MAX_BULK)
    tag: str | None = Field(None, max_length=100)


def _payload(tag: str | None) -> dict[str, Any]:
    return {"tag": tag} if tag is not None else {}


@router.post("/noop", status_code=status.HTTP_202_ACCEPTED, responses=_HIDDEN)
async def enqueue_noop(
    admin: Admin,
    queue: Queue,
    response: Response,
    body: NoopRequest | None = None,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    """Queue one job that does nothing (benchmarks, admin)."""
    body = body or NoopRequest()
    result = await queue.submit(
        JobType.NOOP, _payload(body.tag), user_id=admin.user_id, idempotency_key=idempotency_key
    )
    return accepted(response, result, "No-op job queued successfully")


@router.post("/noop/bulk", status_code=status.HTTP_202_ACCEPTED, responses=_HIDDEN)
async def enqueue_noop_bulk(body: NoopBulkRequest, admin: Admin, queue: Queue) -> dict[str, Any]:
    """Queue ``count`` no-op jobs in one transaction (benchmarks, admin)."""
    jobs = [queue.build(JobType.NOOP, _payload(body.tag), user_id=admin.user_id) for _ in range(body.count)]
    async with queue.engine.begin() as conn:
        ids = [str(e.job_id) for e in await queue.submit_many_in(conn, jobs)]
    return {"success": True, "count": len(ids), "jobIds": ids}
