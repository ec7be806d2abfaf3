"""Wires the maintenance handlers and the scheduler to the worker runtime."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import faust
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from seojobs.adapters.db.engine import make_engine
from seojobs.adapters.db.job_store import insert_job
from seojobs.domain.jobs import JobType, Service
from seojobs.domain.registry import spec_of, validate_payload
from seojobs.domain.requests import NewJob
from seojobs.domain.topics import Topics
from seojobs.maintenance.handlers import MaintenanceHandlers
from seojobs.maintenance.scheduler import Enqueue, MaintenanceScheduler
from seojobs.maintenance.slots import claim_slot_and_enqueue
from seojobs.pipeline.worker_main import HandlerSet
from seojobs.settings import Settings

SERVICE = Service.MAINTENANCE


async def make_handlers(settings: Settings, engine: AsyncEngine) -> HandlerSet:
    """The three maintenance handlers over the worker's engine (NOOP comes from the registry)."""
    return HandlerSet(
        MaintenanceHandlers(engine, settings.job_retention_days, settings.maintenance_batch_size).handlers()
    )


def slot_enqueuer(engine: AsyncEngine, settings: Settings) -> Enqueue:
    """Enqueue a scheduled job once per (name, slot), whichever instance fires first."""
    topics = Topics(settings.topic_prefix)

    async def enqueue(
        job_type: JobType, payload: dict[str, Any], slot: datetime, name: str
    ) -> uuid.UUID | None:
        job = NewJob(
            job_type=job_type,
            payload=validate_payload(job_type, payload),
            priority=spec_of(job_type).default_priority,
            max_attempts=settings.job_max_attempts,
        )

        async def insert(conn: AsyncConnection) -> uuid.UUID:
            await insert_job(conn, topics, job)
            return job.job_id

        async with engine.connect() as conn:
            job_id = await claim_slot_and_enqueue(conn, name, slot, insert)
        return job_id

    return enqueue


def extend_app(settings: Settings) -> Callable[[faust.App], None]:
    """Start the scheduler with the worker (unless disabled)."""

    def extend(app: faust.App) -> None:
        if not settings.scheduler_enabled:
            return

        @app.task
        async def start_scheduler() -> None:
            engine = make_engine(settings.database_url, pool_size=2)
            scheduler = MaintenanceScheduler(
                engine,
                slot_enqueuer(engine, settings),
                settings.daily_cleanup_cron,
                settings.monthly_reset_cron,
            )
            scheduler.start()

    return extend
