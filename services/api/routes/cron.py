"""Cron endpoints (Bearer CRON_SECRET): release due jobs, daily cleanup, monthly usage reset."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Response, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from seojobs.adapters.db.domain_models import ScheduleSlot
from seojobs.domain.jobs import JobType
from seojobs.maintenance.schedule import DAILY_CLEANUP, MONTHLY_RESET, payload_for
from seojobs.maintenance.slots import claim_slot_and_enqueue
from seojobs.queue_service import QueueService
from services.api.deps import CronAuth, Queue, SettingsDep

router = APIRouter(prefix="/api/cron", tags=["cron"], dependencies=[CronAuth])
#: The seed's internal processing endpoint, guarded like the cron ones.
process_router = APIRouter(prefix="/api/jobs", tags=["cron"], dependencies=[CronAuth])


def _now() -> datetime:
    return datetime.now(UTC)


def daily_slot(now: datetime) -> datetime:
    """Today 00:00 UTC: the slot an external daily cron shares with the internal scheduler."""
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def monthly_slot(now: datetime) -> datetime:
    """The 1st of this month 00:00 UTC."""
    return daily_slot(now).replace(day=1)


async def _release(queue: QueueService, limit: int) -> dict[str, Any]:
    released = await queue.release_due(limit)
    return {"success": True, "released": released, "count": len(released)}


async def process_jobs(queue: Queue, settings: SettingsDep) -> dict[str, Any]:
    """Send scheduled jobs whose time has come to their work topics (GET too: Vercel cron calls GET)."""
    return await _release(queue, settings.job_process_batch_size)


@process_router.post("/process")
async def process_next(queue: Queue, settings: SettingsDep) -> dict[str, Any]:
    """The seed's internal 'process jobs' endpoint: release due scheduled jobs."""
    return await _release(queue, settings.job_process_batch_size)


async def _slot_job(conn: AsyncConnection, name: str, slot: datetime) -> uuid.UUID | None:
    stmt = select(ScheduleSlot.job_id).where(ScheduleSlot.name == name, ScheduleSlot.slot == slot)
    return (await conn.execute(stmt)).scalar()


async def enqueue_slot(
    queue: QueueService, response: Response, name: str, slot: datetime, job_type: JobType, label: str
) -> dict[str, Any]:
    """Enqueue a slot's job once, shared with the internal scheduler (202 new, 200 already done)."""
    job = queue.build(job_type, payload_for(job_type, slot))

    async def insert(conn: AsyncConnection) -> uuid.UUID:
        return (await queue.submit_in(conn, job)).job_id

    async with queue.engine.connect() as conn:
        job_id = await claim_slot_and_enqueue(conn, name, slot, insert)
        created = job_id is not None
        if not created:
            job_id = await _slot_job(conn, name, slot)
    if created:
        message = f"{label} queued successfully"
    else:
        response.status_code = status.HTTP_200_OK
        message = f"{label} was already queued for this slot"
    return {
        "success": True,
        "jobId": str(job_id) if job_id else None,
        "slot": slot.isoformat(),
        "created": created,
        "message": message,
        "payload": job.payload,
    }


async def daily(queue: Queue, response: Response) -> dict[str, Any]:
    """Queue today's rollback cleanup (daysOld 90) unless this day's slot was already taken."""
    return await enqueue_slot(
        queue, response, DAILY_CLEANUP, daily_slot(_now()), JobType.CLEANUP_ROLLBACKS, "Daily cleanup job"
    )


async def monthly(queue: Queue, response: Response) -> dict[str, Any]:
    """Queue this month's usage reset unless this month's slot was already taken."""
    return await enqueue_slot(
        queue, response, MONTHLY_RESET, monthly_slot(_now()), JobType.RESET_USAGE, "Monthly usage reset job"
    )


def _get_and_post(path: str, endpoint: Callable[..., Awaitable[dict[str, Any]]], code: int) -> None:
    # Vercel cron calls GET; other schedulers POST. Two routes keep the operation ids unique.
    for method in ("POST", "GET"):
        router.add_api_route(
            path,
            endpoint,
            methods=[method],
            status_code=code,
            operation_id=f"cron_{endpoint.__name__}_{method.lower()}",
        )


_get_and_post("/process-jobs", process_jobs, status.HTTP_200_OK)
_get_and_post("/daily", daily, status.HTTP_202_ACCEPTED)
_get_and_post("/monthly", monthly, status.HTTP_202_ACCEPTED)
