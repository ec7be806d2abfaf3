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
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

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
from seojobs.pipeline.coalesce import Coalescer
from seojobs.pipeline.context import RunContext
from seojobs.pipeline.dead_letters import dead_letter_record
from seojobs.pipeline.emitter import Emitter
from seojobs.pipeline.outages import Backoff
from seojobs.ports.worker import Handler

log = logging.getLogger("seojobs.worker")

#: Who ran a job (host and process), carried in job.started.
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"

#: Failures of the infrastructure (not of the job): the message is repeated until they pass.
INFRA_ERRORS = (OperationalError, InterfaceError, KafkaError, OSError)

#: The results of runs that finished together, in one statement (so one implicit transaction).
STORE_RESULTS = text("""
    INSERT INTO job_results (job_id, series, attempt, result)
    SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:series AS integer[]), CAST(:attempts AS integer[]),
                         CAST(:results AS jsonb[]))
    ON CONFLICT (job_id, series) DO NOTHING
""")


@dataclass(frozen=True)
class Origin:
    """Where a message came from (for logs and dead letters)."""

    topic: str
    partition: int
    offset: int


class RunGate(Protocol):
    """Bounds how many handlers run at once (the worker's run slots)."""

    async def acquire(self) -> None:
        """Wait for a slot."""

    def release(self) -> None:
        """Give the slot back."""


@dataclass(eq=False)
class _Run:
    """One job of a batch, as it goes through the runner."""

    index: int
    request: JobEvent
    job_type: JobType
    payload: dict[str, Any]
    origin: Origin
    series: int
    outcome: str = "pending"
    result: Any = None
    began: float = 0.0
    started: asyncio.Future[object] | None = None
    ctx: RunContext = field(init=False)

    @property
    def attempt(self) -> int:
        """This attempt's number (1-based)."""
        return self.request.attempt + 1

    @property
    def final(self) -> int:
        """The sequence number of this attempt's terminal event."""
        return event_seq(self.series, self.attempt, TERMINAL_STEP)


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
        # The runner's own reads and writes are single statements: without BEGIN and ROLLBACK/COMMIT
        # each is one round trip instead of three.
        self._single = engine.execution_options(isolation_level="AUTOCOMMIT")
        # The partitions' runs share their database reads and result writes (see coalesce.py).
        self._views: Coalescer[tuple[uuid.UUID, int], dict[tuple[uuid.UUID, int], Any]] = Coalescer(
            self._load_views)
        self._completer: Coalescer[_Run, None] = Coalescer(self._complete)

    async def handle_batch_retrying(self, items: Sequence[tuple[bytes | None, Origin]],
                                    gate: RunGate | None = None) -> list[str]:
        """handle_batch(), repeated while the database or Kafka is unreachable.

        A message is never given up: an exception escaping the agent would leave it unacked but
        behind the stream's position until the next rebalance. Repeating the batch is the same as a
        redelivery, sooner, and every step of handle_batch() is safe to repeat (a job whose result
        is stored is reported again, not run again).
        """
        backoff = Backoff()
        while True:
            generation = self.emitter.generation
            try:
                return await self.handle_batch(items, gate)
            except INFRA_ERRORS as exc:
                first = items[0][1]
                log.warning("database or Kafka unavailable at %s[%d]@%d (+%d), will retry: %s", first.topic,
                            first.partition, first.offset, len(items) - 1, exc)
                await backoff.sleep()
                if isinstance(exc, KafkaError):
                    with contextlib.suppress(*INFRA_ERRORS):
                        await self.emitter.restart(generation)

    async def handle_batch(self, items: Sequence[tuple[bytes | None, Origin]],
                           gate: RunGate | None = None) -> list[str]:
        """Process messages of one partition together; returns what happened to each, in order.

        The database is asked once for every job of the batch and the results are stored in one
        transaction; the handlers run concurrently (each holding a run slot of ``gate``), and the
        job.started events go out in offset order. The batch is done when every terminal event has
        been acknowledged by the broker.
        """
        outcomes: list[str] = ["duplicate"] * len(items)
        runs: list[_Run] = []
        seen: set[tuple[str, int]] = set()
        for index, (raw, origin) in enumerate(items):
            try:
                request = decode_event(raw)
                job_type = JobType(request.job_type)
                if job_type not in self.handlers:
                    raise ValidationFailed(f"this service does not run {job_type.value} jobs")
                payload = validate_payload(job_type, dict(request.payload.get("payload") or {}))
            except (ValidationFailed, ValueError) as exc:
                log.warning("invalid message at %s[%d]@%d: %s", origin.topic, origin.partition,
                            origin.offset, exc, extra=_extra(origin))
                await self._reject(raw, origin, exc)
                outcomes[index] = "invalid"
                continue
            series = int(request.payload.get("series", 0))
            if (request.job_id, series) in seen:
                continue  # the same job twice in one batch (a redelivery): run it once
            seen.add((request.job_id, series))
            runs.append(_Run(index, request, job_type, payload, origin, series))
        if runs:
            await self._run_all(runs, gate)
        for run in runs:
            outcomes[run.index] = run.outcome
            metrics.record_outcome(run.job_type.value, run.outcome, run.began)
            log.info("job %s attempt %d: %s", run.request.job_id, run.attempt, run.outcome,
                     extra=_extra(run.origin, run.request.job_id, run.attempt,
                                  run.job_type.value))
        return outcomes

    async def _load_views(self, keys: list[tuple[uuid.UUID, int]]) -> dict[tuple[uuid.UUID, int], Any]:
        """Each asked (job, series): the job's row and the result stored for that series, if any."""
        async with self._single.connect() as conn:
            rows = (await conn.execute(q.WORKER_VIEWS_AND_RESULTS, {
                "ids": [k[0] for k in keys], "series": [k[1] for k in keys]})).all()
        return {(row.id, row.asked_series): row for row in rows}

    async def _run_all(self, runs: list[_Run], gate: RunGate | None) -> None:
        views = await self._views.get([(uuid.UUID(r.request.job_id), r.series) for r in runs])
        starting: list[_Run] = []
        for run in runs:
            run.began = time.monotonic()
            job_id = uuid.UUID(run.request.job_id)
            run.ctx = RunContext(job_id=job_id, job_type=run.job_type, attempt=run.attempt,
                                 series=run.series, payload=run.payload,
                                 user_id=_uuid(run.request.payload.get("user_id")),
                                 engine=self.engine, emitter=self.emitter)
            view = views.get((job_id, run.series))
            if view is None:
                await self._dead_letter(run.request, run.origin,
                                        PermanentError(f"job {job_id} does not exist"), run.attempt)
                run.outcome = "missing"
            elif (view.series > run.series or is_terminal(JobStatus(view.status))
                  or view.last_seq >= run.final):
                # Finished, redriven, or this attempt already ended (its retry waits): an old message.
                run.outcome = "skipped"
            elif view.stored is not None:
                run.result, run.outcome = view.stored, "stored"
            elif view.cancel_requested:
                await self.emitter.emit(run.ctx.event(EventType.CANCELLED, run.final,
                                                      {"reason": "cancelled by request"}))
                run.outcome = "cancelled"
            else:
                starting.append(run)
        tasks = [asyncio.ensure_future(self._completer.get([run])) for run in runs if run.outcome == "stored"]
        try:
            # In offset order, each job takes a run slot before it is reported started, so that
            # "started" means running and the slots keep favouring the higher lanes.
            for run in starting:
                slot = _Slot(gate)
                await slot.take()
                try:
                    # Not waited for here: the handler starts at once, and _complete waits for the
                    # acknowledgement before it stores the result.
                    run.started = await self.emitter.emit_later(run.ctx.event(
                        EventType.STARTED, event_seq(run.series, run.attempt, STARTED_STEP),
                        {"topic": run.origin.topic, "partition": run.origin.partition, "worker": WORKER_ID}))
                    run.started.add_done_callback(_settled)  # a failure shows in the later sends
                except BaseException:
                    slot.give_back()
                    raise
                metrics.JOBS_STARTED.labels(run.job_type.value).inc()
                task = asyncio.ensure_future(self._execute(run, slot))
                task.add_done_callback(slot.on_done)  # even if cancelled before it ever ran
                tasks.append(task)
            await asyncio.gather(*tasks)
        except BaseException:
            # The whole batch is repeated after an error: no run may go on in the background.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise


    async def _complete(self, runs: list[_Run]) -> None:
        """Store the results of runs that finished together, in any partition (one transaction),
        then publish their job.completed events and wait for the broker's acknowledgements."""
        ran = [run for run in runs if run.outcome == "ran"]
        # A stored result means "done": a redelivery then reports it without starting the job
        # again, so job.started must be on the topic before the result is stored.
        await asyncio.gather(*(run.started for run in ran if run.started is not None))
        if ran:
            async with self._single.connect() as conn:
                await conn.execute(STORE_RESULTS, {
                    "ids": [uuid.UUID(run.request.job_id) for run in ran],
                    "series": [run.series for run in ran], "attempts": [run.attempt for run in ran],
                    "results": [json.dumps(run.result, default=str) for run in ran]})
        deliveries = [await self.emitter.emit_later(run.ctx.event(EventType.COMPLETED, run.final,
                                                                  {"result": run.result}))
                      for run in runs]
        await asyncio.gather(*deliveries)
        for run in runs:
            run.outcome = "completed"

    async def _execute(self, run: _Run, slot: _Slot) -> None:
        """Run one handler under its time limit (holding the run slot taken for it, if any), then
        complete it with whatever finished at the same time; or record the outcome of its failure
        (retry scheduled, failed, cancelled)."""
        limit = self.config.time_limits_s.get(run.job_type.value, self.config.default_time_limit_s)
        try:
            run.result = await asyncio.wait_for(self.handlers[run.job_type](run.ctx), limit)
            run.outcome = "ran"
        except JobCancelled as exc:
            await self.emitter.emit(run.ctx.event(EventType.CANCELLED, run.final, {"reason": exc.message}))
            run.outcome = "cancelled"
        except TimeoutError:
            timeout = RetryableError(f"{run.job_type.value} exceeded its time limit of {limit:g}s")
            run.outcome = await self._failed(run.request, run.ctx, run.origin, timeout)
        except KafkaError:
            raise  # the bus, not the job, failed: handle_batch_retrying repeats the batch
        except Exception as exc:  # every other failure goes through the retry policy
            run.outcome = await self._failed(run.request, run.ctx, run.origin, exc)
        finally:
            slot.give_back()
        if run.outcome == "ran":
            await self._completer.get([run])

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

    async def _reject(self, raw: bytes | None, origin: Origin, exc: Exception) -> None:
        """Dead-letter a message the worker cannot run. When it names a job (a type this service
        does not run, a payload that fails validation), the job fails with the reason, so that it
        never waits for ever and its dead letter can be redriven."""
        try:
            request = decode_event(raw)
        except (ValidationFailed, ValueError):
            await self.emitter.dead_letter(None, dead_letter_record(
                raw, str(exc), origin.topic, origin.partition, origin.offset, "worker"))
            return
        attempt = request.attempt + 1
        final = event_seq(int(request.payload.get("series", 0)), attempt, TERMINAL_STEP)
        reason = getattr(exc, "message", None) or str(exc)
        await self.emitter.emit(JobEvent(EventType.FAILED, request.job_id, request.job_type, attempt, final,
                                         {"error": reason}))
        await self._dead_letter(request, origin, PermanentError(reason), attempt)

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


class _Slot:
    """One run slot of a gate, given back exactly once."""

    def __init__(self, gate: RunGate | None) -> None:
        self._gate = gate
        self._held = False

    async def take(self) -> None:
        """Wait for the slot."""
        if self._gate is not None:
            await self._gate.acquire()
            self._held = True

    def on_done(self, _task: asyncio.Future[None]) -> None:
        """Done-callback form of give_back."""
        self.give_back()

    def give_back(self) -> None:
        """Release the slot (a no-op after the first call)."""
        if self._held and self._gate is not None:
            self._held = False
            self._gate.release()


def _settled(delivery: asyncio.Future[object]) -> None:
    """Mark a delivery's failure as seen (the send that follows it fails too, and is handled)."""
    if not delivery.cancelled():
        delivery.exception()
