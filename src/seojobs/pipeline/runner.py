"""Runs one job message: skip what is finished, run the handler under its time limit, report.

The order of effects makes every step safe to repeat: the result is stored (job_results) before
job.completed is published, and a redelivered message whose result is stored re-publishes it
instead of doing the work again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiokafka.errors import KafkaError
from sqlalchemy import text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs import metrics
from seojobs.adapters.db import queries as q
from seojobs.domain.errors import JobCancelled, PermanentError, RetryableError, ValidationFailed
from seojobs.domain.events import (
    FINAL_STEP,
    STARTED_STEP,
    TERMINAL_STEP,
    EventType,
    JobEvent,
    decode_event,
    event_seq,
    utcnow,
)
from seojobs.domain.jobs import JobStatus, JobType, is_terminal
from seojobs.domain.payloads import validate_payload
from seojobs.domain.retry import Decision, plan_retry
from seojobs.domain.topics import Topics
from seojobs.pipeline.context import RunContext
from seojobs.pipeline.dead_letters import dead_letter_record
from seojobs.pipeline.emitter import Emitter
from seojobs.ports.worker import Handler

log = logging.getLogger("seojobs.worker")

#: Who ran a job (host and process), carried in job.started.
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"

#: First and longest pause between attempts while the database is unreachable, seconds.
DB_RETRY_FIRST_S, DB_RETRY_MAX_S = 0.2, 5.0
#: Failures of the infrastructure (not of the job): the message is repeated until they pass.
INFRA_ERRORS = (OperationalError, InterfaceError, KafkaError, OSError)

STORE_RESULT = text("""
    INSERT INTO job_results (job_id, series, attempt, result)
    VALUES (:id, :series, :attempt, CAST(:result AS jsonb))
    ON CONFLICT (job_id, series) DO NOTHING
""")
STORED_RESULT = text("SELECT result FROM job_results WHERE job_id = :id AND series = :series")


@dataclass(frozen=True)
class Origin:
    """Where a message came from (for logs and dead letters)."""

    topic: str
    partition: int
    offset: int


@dataclass(frozen=True)
class RunnerConfig:
    """The runner's settings."""

    retry_delays_s: tuple[float, ...]
    time_limits_s: dict[str, float]
    default_time_limit_s: float
    default_max_attempts: int
    #: Delays of the job types that have their own (job type name -> delays).
    retry_delays_by_type_s: dict[str, tuple[float, ...]] = field(default_factory=dict)

    def delays_for(self, job_type: str) -> tuple[float, ...]:
        """The retry delays of one job type."""
        return self.retry_delays_by_type_s.get(job_type, self.retry_delays_s)


class JobRunner:
    """Turns a work-topic message into a handler run and its events."""

    def __init__(self, engine: AsyncEngine, emitter: Emitter, topics: Topics,
                 handlers: dict[JobType, Handler], config: RunnerConfig) -> None:
        self.engine = engine
        self.emitter = emitter
        self.topics = topics
        self.handlers = handlers
        self.config = config

    async def handle(self, raw: bytes | None, origin: Origin) -> str:
        """Process one message; returns what happened (for logs and tests)."""
        try:
            request = decode_event(raw)
            job_type = JobType(request.job_type)
            if job_type not in self.handlers:
                raise ValidationFailed(f"this service does not run {job_type.value} jobs")
            payload = validate_payload(job_type, dict(request.payload.get("payload") or {}))
        except (ValidationFailed, ValueError) as exc:
            log.warning("invalid message at %s[%d]@%d: %s", origin.topic, origin.partition,
                        origin.offset, exc, extra=_extra(origin))
            await self.emitter.dead_letter(None, dead_letter_record(
                raw, str(exc), origin.topic, origin.partition, origin.offset, "worker"))
            return "invalid"
        began = time.monotonic()
        outcome = await self._run(request, job_type, payload, origin)
        metrics.record_outcome(job_type.value, outcome, began)
        log.info("job %s attempt %d: %s", request.job_id, request.attempt + 1, outcome,
                 extra=_extra(origin, request.job_id, request.attempt + 1, job_type.value))
        return outcome

    async def handle_retrying(self, raw: bytes | None, origin: Origin) -> str:
        """handle(), repeated while the database or Kafka is unreachable.

        The message is never given up: an exception escaping the agent would leave it unacked
        but behind the stream's position until the next rebalance. Repeating it is the same as a
        redelivery, sooner, and every step of handle() is safe to repeat.
        """
        backoff = DB_RETRY_FIRST_S
        while True:
            generation = self.emitter.generation
            try:
                return await self.handle(raw, origin)
            except INFRA_ERRORS as exc:
                log.warning("database or Kafka unavailable at %s[%d]@%d, will retry: %s", origin.topic,
                            origin.partition, origin.offset, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, DB_RETRY_MAX_S)
                if isinstance(exc, KafkaError):
                    with contextlib.suppress(*INFRA_ERRORS):
                        await self.emitter.restart(generation)

    async def _run(self, request: JobEvent, job_type: JobType, payload: dict[str, Any],
                   origin: Origin) -> str:
        job_id = uuid.UUID(request.job_id)
        series = int(request.payload.get("series", 0))
        attempt = request.attempt + 1
        async with self.engine.connect() as conn:
            view = (await conn.execute(q.WORKER_VIEW, {"id": job_id})).first()
            stored = (await conn.execute(STORED_RESULT, {"id": job_id, "series": series})).scalar()
        if view is None:
            await self._dead_letter(request, origin, PermanentError(f"job {job_id} does not exist"), attempt)
            return "missing"
        if view.series > series or is_terminal(JobStatus(view.status)):
            return "skipped"
        ctx = RunContext(job_id=job_id, job_type=job_type, attempt=attempt, series=series,
                         payload=payload, user_id=_uuid(request.payload.get("user_id")),
                         engine=self.engine, emitter=self.emitter)
        final = event_seq(series, attempt, TERMINAL_STEP)
        if stored is not None:
            await self.emitter.emit(ctx.event(EventType.COMPLETED, final, {"result": stored}))
            return "completed"
        if view.cancel_requested:
            await self.emitter.emit(ctx.event(EventType.CANCELLED, final,
                                              {"reason": "cancelled by request"}))
            return "cancelled"
        await self.emitter.emit(ctx.event(EventType.STARTED, event_seq(series, attempt, STARTED_STEP),
                                          {"topic": origin.topic, "partition": origin.partition,
                                           "worker": WORKER_ID}))
        metrics.JOBS_STARTED.labels(job_type.value).inc()
        limit = self.config.time_limits_s.get(job_type.value, self.config.default_time_limit_s)
        try:
            result = await asyncio.wait_for(self.handlers[job_type](ctx), limit)
        except JobCancelled as exc:
            await self.emitter.emit(ctx.event(EventType.CANCELLED, final, {"reason": exc.message}))
            return "cancelled"
        except TimeoutError:
            timeout = RetryableError(f"{job_type.value} exceeded its time limit of {limit:g}s")
            return await self._failed(request, ctx, origin, timeout)
        except KafkaError:
            raise  # the bus, not the job, failed: handle_retrying repeats the message
        except Exception as exc:  # every other failure goes through the retry policy
            return await self._failed(request, ctx, origin, exc)
        async with self.engine.begin() as conn:
            await conn.execute(STORE_RESULT, {"id": job_id, "series": series, "attempt": attempt,
                                              "result": json.dumps(result, default=str)})
        await self.emitter.emit(ctx.event(EventType.COMPLETED, final, {"result": result}))
        return "completed"

    async def _failed(self, request: JobEvent, ctx: RunContext, origin: Origin, exc: BaseException) -> str:
        max_attempts = int(request.payload.get("max_attempts") or self.config.default_max_attempts)
        plan = plan_retry(exc, ctx.attempt, max_attempts, self.config.delays_for(ctx.job_type.value))
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        history = [*request.payload.get("history", []),
                   {"attempt": ctx.attempt, "error": message, "type": type(exc).__name__,
                    "at": utcnow().isoformat()}]
        final = event_seq(ctx.series, ctx.attempt, TERMINAL_STEP)
        log.warning("job %s attempt %d failed: %s", ctx.job_id, ctx.attempt, message,
                    extra=_extra(origin, str(ctx.job_id), ctx.attempt, ctx.job_type.value))
        if plan.decision is Decision.RETRY:
            due = utcnow() + timedelta(seconds=plan.delay_s)
            await self.emitter.emit(ctx.event(EventType.RETRY_SCHEDULED, final, {
                "error": message, "due_at": due.isoformat(), "step": plan.step}))
            retry = JobEvent(EventType.RETRY_SCHEDULED, request.job_id, request.job_type, ctx.attempt,
                             final, {**request.payload, "history": history, "due_at": due.isoformat(),
                                     "target_topic": origin.topic})
            await self.emitter.send(self.topics.retry(ctx.job_type, plan.step), retry)
            return "retry"
        await self.emitter.emit(ctx.event(EventType.FAILED, final, {"error": message}))
        await self._dead_letter(request, origin, exc, ctx.attempt, history)
        return "failed"

    async def _dead_letter(self, request: JobEvent, origin: Origin, exc: BaseException, attempt: int,
                           history: list[dict[str, Any]] | None = None) -> None:
        reason = getattr(exc, "message", None) or str(exc)
        await self.emitter.dead_letter(request.key, dead_letter_record(
            request.encode(), reason, origin.topic, origin.partition, origin.offset, "worker",
            exc=exc, history=history))
        metrics.JOBS_DEAD_LETTERED.labels(request.job_type).inc()
        series = int(request.payload.get("series", 0))
        await self.emitter.emit(JobEvent(EventType.DEAD_LETTERED, request.job_id, request.job_type, attempt,
                                         event_seq(series, attempt, FINAL_STEP), {"reason": reason}))


def _extra(origin: Origin, job_id: str | None = None, attempt: int | None = None,
           job_type: str | None = None) -> dict[str, Any]:
    """The context fields of a worker log line (see seojobs.logs.CONTEXT_FIELDS)."""
    return {"job_id": job_id, "attempt": attempt, "job_type": job_type, "topic": origin.topic,
            "partition": origin.partition, "offset": origin.offset}


def _uuid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None
