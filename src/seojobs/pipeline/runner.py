"""Runs work messages: lease the job, run the handler outside the consumer, report the end.

A message is admitted in a few milliseconds: decoded, checked against the job's row and leased to
this worker in one statement, then either started in a free run slot or held for any worker of the
service with a free slot (see job_pool.py and leases.py). The partition's actor moves on at once,
so a long job never blocks the jobs behind it nor a rebalance.

The order of effects keeps every step safe to repeat: job.started is acknowledged before the result
is stored, the result is stored (only while this worker holds the lease) before job.completed is
published, and a message whose result is stored re-publishes it instead of doing the work again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiokafka.errors import KafkaError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs import metrics
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
from seojobs.domain.jobs import JobType
from seojobs.domain.registry import validate_payload
from seojobs.domain.retry import Decision, plan_retry
from seojobs.domain.topics import Topics
from seojobs.pipeline.admission import Verdict, admission_verdict
from seojobs.pipeline.coalesce import Coalescer
from seojobs.pipeline.context import RunContext
from seojobs.pipeline.dead_letters import dead_letter_record
from seojobs.pipeline.emitter import DELIVERY_TIMEOUT_S, Emitter, delivered
from seojobs.pipeline.job_pool import DEFAULT_HEARTBEAT_S, JobPool
from seojobs.pipeline.leases import HELD, RUNNING, Claim, JobView, LeaseStore, TakenLease
from seojobs.pipeline.outages import Backoff
from seojobs.pipeline.runs import STOP_FENCED, STOP_SHUTDOWN, Origin, Run, Slot
from seojobs.pipeline.slots import LaneSlots
from seojobs.ports.worker import Handler

__all__ = ["INFRA_ERRORS", "WORKER_ID", "JobRunner", "Origin", "RunnerConfig"]

log = logging.getLogger("seojobs.worker")

#: Who runs a job (host and process): carried in job.started and in the job's lease.
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"

#: Failures of the infrastructure (not of the job): the step is repeated until they pass.
INFRA_ERRORS = (OperationalError, InterfaceError, KafkaError, OSError)

#: Seconds a message waits for a run slot of this worker before it is held for any worker.
DEFAULT_HOLD_AFTER_S = 0.2


@dataclass(frozen=True)
class RunnerConfig:
    """The runner's settings."""

    retry_delays_s: tuple[float, ...]
    time_limits_s: dict[str, float]
    default_time_limit_s: float
    default_max_attempts: int
    #: Delays of the job types that have their own (job type name -> delays).
    retry_delays_by_type_s: dict[str, tuple[float, ...]] = field(default_factory=dict)
    heartbeat_s: float = DEFAULT_HEARTBEAT_S
    hold_after_s: float = DEFAULT_HOLD_AFTER_S

    def delays_for(self, job_type: str) -> tuple[float, ...]:
        """The retry delays of one job type."""
        return self.retry_delays_by_type_s.get(job_type, self.retry_delays_s)


class JobRunner:
    """Turns work messages into leased handler runs and their events."""

    def __init__(
        self,
        engine: AsyncEngine,
        emitter: Emitter,
        topics: Topics,
        handlers: dict[JobType, Handler],
        config: RunnerConfig,
        *,
        leases: LeaseStore,
        slots: LaneSlots,
    ) -> None:
        self.engine = engine
        self.emitter = emitter
        self.topics = topics
        self.handlers = handlers
        self.config = config
        self.leases = leases
        self.slots = slots
        self.pool = JobPool(leases, lambda: self.refill(force=True), config.heartbeat_s)
        # Concurrent admissions and completions (from every partition and run) share one statement.
        # One claim statement at a time: what arrives meanwhile goes into the next, which halves
        # the claim statements of a busy worker (a no-op drain: 0.46 -> 0.23 per job).
        self._claims: Coalescer[Claim, dict[int, JobView]] = Coalescer(self._claim_batch, max_calls=1)
        self._completer: Coalescer[Run, None] = Coalescer(self._complete)
        self._refilling = asyncio.Lock()
        #: Whether held jobs may be waiting (this worker held one, or the last take was full).
        self._maybe_held = True

    def start(self) -> None:
        """Start the heartbeat (and with it the taking of held jobs)."""
        self.pool.start()

    async def stop(self) -> None:
        """Stop every run and hand its lease back for a restart elsewhere."""
        await self.pool.stop()

    # -- admission ---------------------------------------------------------------------------

    async def admit_retrying(self, raw: bytes | None, origin: Origin, rank: int) -> str:
        """admit(), repeated while the database or Kafka is unreachable. A message is never given
        up: admitting it again is what a redelivery would do, sooner, and is safe to repeat."""
        backoff = Backoff()
        while True:
            generation = self.emitter.generation
            try:
                return await self.admit(raw, origin, rank)
            except INFRA_ERRORS as exc:
                log.warning(
                    "database or Kafka unavailable at %s[%d]@%d, will retry: %s",
                    origin.topic,
                    origin.partition,
                    origin.offset,
                    exc,
                    extra=_extra(origin),
                )
                await backoff.sleep()
                if isinstance(exc, KafkaError):
                    with contextlib.suppress(*INFRA_ERRORS):
                        await self.emitter.restart(generation)

    async def admit(self, raw: bytes | None, origin: Origin, rank: int = 0) -> str:
        """Lease the message's job and start it (or hold it); what happened to the message."""
        try:
            run = self._parse(raw, origin, rank)
        except (ValidationFailed, ValueError) as exc:
            log.warning(
                "invalid message at %s[%d]@%d: %s",
                origin.topic,
                origin.partition,
                origin.offset,
                exc,
                extra=_extra(origin),
            )
            await self._reject(raw, origin, exc)
            return "invalid"
        slot = Slot(self.slots, rank)
        await slot.take_within(self.config.hold_after_s)
        try:
            claim = run.claim(RUNNING if slot.held else HELD)
            view = (await self._claims.get([claim])).get(id(claim))
            outcome = await self._decide(run, view, slot)
        except BaseException:
            slot.give_back()
            raise
        if outcome == "held":
            self._maybe_held = True
        if outcome not in ("started", "held"):
            self._log_outcome(run, outcome)
        return outcome

    def _parse(self, raw: bytes | None, origin: Origin, rank: int) -> Run:
        request = decode_event(raw)
        job_type = JobType(request.job_type)
        if job_type not in self.handlers:
            raise ValidationFailed(f"this service does not run {job_type.value} jobs")
        payload = validate_payload(job_type, dict(request.payload.get("payload") or {}))
        return Run(request, job_type, payload, origin, request.series, rank, raw or b"")

    async def _claim_batch(self, claims: list[Claim]) -> dict[int, JobView]:
        """One statement for every claim waiting; a job asked twice is leased for the first only."""
        first: dict[uuid.UUID, Claim] = {}
        for claim in claims:
            first.setdefault(claim.job_id, claim)
        views = await self.leases.claim(list(first.values()))
        answer: dict[int, JobView] = {}
        for claim in claims:
            view = views.get(claim.job_id)
            if view is not None and first[claim.job_id] is not claim:
                view = JobView(
                    view.status, view.cancel_requested, view.series, view.last_seq, view.stored, claimed=False
                )
            if view is not None:
                answer[id(claim)] = view
        return answer

    async def _decide(self, run: Run, view: JobView | None, slot: Slot) -> str:
        """What to do with an admitted (or taken) message, given its job's view."""
        run.began = time.monotonic()
        run.ctx = RunContext(
            job_id=run.job_id,
            job_type=run.job_type,
            attempt=run.attempt,
            series=run.series,
            payload=run.payload,
            user_id=_uuid(run.request.payload.get("user_id")),
            engine=self.engine,
            emitter=self.emitter,
        )
        verdict = admission_verdict(view, run.series, run.final, has_slot=slot.held)
        if verdict not in (Verdict.HELD, Verdict.STARTED):
            slot.give_back()
        if verdict is Verdict.MISSING:
            await self._dead_letter(run, PermanentError(f"job {run.job_id} does not exist"))
        elif verdict is Verdict.STORED and view is not None:
            run.result, run.outcome = view.stored, "stored"
            await self._completer.get([run])  # stored but maybe never reported: report it again
        elif verdict is Verdict.CANCELLED:
            await self.emitter.emit(
                run.ctx.event(EventType.CANCELLED, run.final, {"reason": "cancelled by request"})
            )
        if verdict is not Verdict.STARTED:
            return verdict.value
        await self._launch(run, slot)
        return "started"

    async def _launch(self, run: Run, slot: Slot) -> None:
        # Not waited for here: the handler starts at once, and _complete waits for the acknowledgement
        # before it stores the result.
        try:
            run.started = await self.emitter.emit_later(self._started_event(run))
        except BaseException:
            # Not started (Kafka is away): the lease goes back to held, so that the job runs when a
            # slot and the broker are there; a repeat of this admission then finds it leased.
            with contextlib.suppress(Exception):
                await self.leases.put_back(run.key, run.raw)
            self._maybe_held = True
            raise
        run.started.add_done_callback(_settled)  # a failure shows in the later sends
        metrics.JOBS_STARTED.labels(run.job_type.value).inc()
        run.outcome = "running"
        run.task = asyncio.ensure_future(self._execute(run, slot))
        self.pool.add(run)

    async def refill(self, *, force: bool = False) -> None:
        """Take held jobs of the service into this worker's free run slots (at every heartbeat, and
        after a run when this worker held jobs itself)."""
        if not (force or self._maybe_held) or self._refilling.locked():
            return
        async with self._refilling:
            wanted = self.slots.free
            if wanted <= 0:
                return
            taken = await self.leases.take_held(wanted, by_age=self.slots.next_by_age())
            self._maybe_held = len(taken) == wanted
            for lease in taken:
                slot = Slot(self.slots, lease.rank)
                if slot.try_take():
                    try:
                        await self._start_taken(lease, slot)
                    except BaseException:
                        slot.give_back()
                        raise
                else:  # an admission took the slot meanwhile
                    await self.leases.put_back((lease.job_id, lease.series, lease.attempt), lease.request)
                    self._maybe_held = True

    async def _start_taken(self, lease: TakenLease, slot: Slot) -> None:
        origin = Origin(lease.topic, lease.partition, lease.offset)
        try:
            run = self._parse(lease.request, origin, lease.rank)
        except (ValidationFailed, ValueError) as exc:  # it was valid when it was held
            slot.give_back()
            self.pool.release_later((lease.job_id, lease.series, lease.attempt))
            await self._reject(lease.request, origin, exc)
            return
        outcome = await self._decide(run, lease.view, slot)
        if outcome != "started":
            self.pool.release_later(run.key)
            self._log_outcome(run, outcome)

    # -- running -----------------------------------------------------------------------------

    async def _execute(self, run: Run, slot: Slot) -> None:
        """Run the handler under its time limit, then report its end (repeating the report while the
        infrastructure is away); the lease is released once the end is acknowledged."""
        try:
            await self._run_handler(run)
        finally:
            slot.give_back()
        if run.stop_reason == STOP_SHUTDOWN:
            self.pool.finished(run, release=False)
            return
        await self._until_reported(run)
        self.pool.finished(run, release=run.outcome != "fenced")
        self._log_outcome(run, run.outcome)
        if self._maybe_held:
            with contextlib.suppress(*INFRA_ERRORS):
                await self.refill()

    async def _run_handler(self, run: Run) -> None:
        limit = self.config.time_limits_s.get(run.job_type.value, self.config.default_time_limit_s)
        backoff = Backoff()
        while True:
            generation = self.emitter.generation
            try:
                run.result = await asyncio.wait_for(self.handlers[run.job_type](run.ctx), limit)
                run.outcome = "ran"
                return
            except asyncio.CancelledError:
                if run.stop_reason is None:
                    raise
                task = asyncio.current_task()
                if task is not None:
                    task.uncancel()
                run.outcome = "fenced" if run.stop_reason in (STOP_FENCED, STOP_SHUTDOWN) else "cancel"
                run.error = JobCancelled(f"job {run.job_id} was cancelled")
                return
            except JobCancelled as exc:
                run.outcome, run.error = "cancel", exc
                return
            except TimeoutError:
                run.outcome = "error"
                run.error = RetryableError(f"{run.job_type.value} exceeded its time limit of {limit:g}s")
                return
            except KafkaError as exc:  # the bus failed, not the job: run it again once Kafka is back
                log.warning(
                    "job %s: Kafka unavailable while it ran, will run it again: %s",
                    run.job_id,
                    exc,
                    extra=_extra(run.origin, str(run.job_id), run.attempt),
                )
                await backoff.sleep()
                with contextlib.suppress(*INFRA_ERRORS):
                    await self.emitter.restart(generation)
            except Exception as exc:  # every other failure goes through the retry policy
                run.outcome, run.error = "error", exc
                return

    async def _until_reported(self, run: Run) -> None:
        backoff = Backoff()
        while True:
            generation = self.emitter.generation
            try:
                await self._report(run)
                return
            except INFRA_ERRORS as exc:
                log.warning(
                    "job %s: cannot report its end yet, will retry: %s",
                    run.job_id,
                    exc,
                    extra=_extra(run.origin, str(run.job_id), run.attempt),
                )
                await backoff.sleep()
                if isinstance(exc, KafkaError):
                    with contextlib.suppress(*INFRA_ERRORS):
                        await self.emitter.restart(generation)

    async def _report(self, run: Run) -> None:
        if run.outcome == "ran":
            await self._completer.get([run])
        elif run.outcome in ("cancel", "error"):
            if not await self.leases.holds(run.key):
                run.outcome = "fenced"  # restarted elsewhere meanwhile: this run says nothing
            elif run.outcome == "cancel":
                reason = getattr(run.error, "message", None) or "cancelled by request"
                await self.emitter.emit(run.ctx.event(EventType.CANCELLED, run.final, {"reason": reason}))
                run.outcome = "cancelled"
            else:
                run.outcome = await self._failed(run, run.error or RuntimeError("unknown failure"))

    async def _complete(self, runs: list[Run]) -> None:
        """Store the results of runs that finished together (one statement, only where this worker
        still holds the lease), then publish their job.completed events and wait for the broker."""
        ran = [run for run in runs if run.outcome == "ran"]
        # A stored result means "done": a redelivery then reports it without starting the job
        # again, so job.started must be on the topic before the result is stored.
        await self._confirm_started(ran)
        stored = await self.leases.store_results([(run.key, run.result) for run in ran]) if ran else set()
        publish = [run for run in runs if run.outcome == "stored" or run.job_id in stored]
        deliveries = [
            await self.emitter.emit_later(
                run.ctx.event(EventType.COMPLETED, run.final, {"result": run.result})
            )
            for run in publish
        ]
        await delivered(deliveries)
        for run in ran:
            run.outcome = "completed" if run.job_id in stored else "fenced"

    async def _confirm_started(self, runs: list[Run]) -> None:
        """Wait for the runs' job.started acknowledgements; one lost with a replaced producer (or
        failed) is sent again and waited for."""
        pending = [run.started for run in runs if run.started is not None and not run.started.done()]
        if pending:
            await asyncio.wait(pending, timeout=DELIVERY_TIMEOUT_S)
        for run in runs:
            started = run.started
            if started is None or (
                started.done() and not started.cancelled() and started.exception() is None
            ):
                continue
            await self.emitter.emit(self._started_event(run))
            run.started = None

    def _started_event(self, run: Run) -> JobEvent:
        return run.ctx.event(
            EventType.STARTED,
            event_seq(run.series, run.attempt, STARTED_STEP),
            {"topic": run.origin.topic, "partition": run.origin.partition, "worker": self.leases.worker},
        )

    async def _failed(self, run: Run, exc: BaseException) -> str:
        ctx, request = run.ctx, run.request
        max_attempts = int(request.payload.get("max_attempts") or self.config.default_max_attempts)
        plan = plan_retry(exc, ctx.attempt, max_attempts, self.config.delays_for(ctx.job_type.value))
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        history = [
            *request.payload.get("history", []),
            {
                "attempt": ctx.attempt,
                "error": message,
                "type": type(exc).__name__,
                "at": utcnow().isoformat(),
            },
        ]
        log.warning(
            "job %s attempt %d failed: %s",
            ctx.job_id,
            ctx.attempt,
            message,
            extra=_extra(run.origin, str(ctx.job_id), ctx.attempt, ctx.job_type.value),
        )
        if plan.decision is Decision.RETRY:
            due = utcnow() + timedelta(seconds=plan.delay_s)
            await self.emitter.emit(
                ctx.event(
                    EventType.RETRY_SCHEDULED,
                    run.final,
                    {"error": message, "due_at": due.isoformat(), "step": plan.step},
                )
            )
            retry = JobEvent(
                EventType.RETRY_SCHEDULED,
                request.job_id,
                request.job_type,
                ctx.attempt,
                run.final,
                {
                    **request.payload,
                    "history": history,
                    "due_at": due.isoformat(),
                    "target_topic": run.origin.topic,
                },
            )
            await self.emitter.send(self.topics.retry(ctx.job_type, plan.step), retry)
            return "retry"
        await self.emitter.emit(ctx.event(EventType.FAILED, run.final, {"error": message}))
        await self._dead_letter(run, exc, history)
        return "failed"

    # -- messages no run can come of ---------------------------------------------------------

    async def _reject(self, raw: bytes | None, origin: Origin, exc: Exception) -> None:
        """Dead-letter a message the worker cannot run. When it names a job (a type this service
        does not run, a payload that fails validation), the job fails with the reason, so that it
        never waits for ever and its dead letter can be redriven."""
        try:
            request = decode_event(raw)
        except (ValidationFailed, ValueError):
            await self.emitter.dead_letter(
                None,
                dead_letter_record(raw, str(exc), origin.topic, origin.partition, origin.offset, "worker"),
            )
            return
        attempt = request.attempt + 1
        series = request.series
        reason = getattr(exc, "message", None) or str(exc)
        await self.emitter.emit(
            JobEvent(
                EventType.FAILED,
                request.job_id,
                request.job_type,
                attempt,
                event_seq(series, attempt, TERMINAL_STEP),
                {"error": reason},
            )
        )
        await self._send_dead_letter(request, origin, PermanentError(reason), attempt, series)

    async def _dead_letter(
        self, run: Run, exc: BaseException, history: list[dict[str, Any]] | None = None
    ) -> None:
        await self._send_dead_letter(run.request, run.origin, exc, run.attempt, run.series, history)

    async def _send_dead_letter(
        self,
        request: JobEvent,
        origin: Origin,
        exc: BaseException,
        attempt: int,
        series: int,
        history: list[dict[str, Any]] | None = None,
    ) -> None:
        reason = getattr(exc, "message", None) or str(exc)
        await self.emitter.dead_letter(
            request.key,
            dead_letter_record(
                request.encode(),
                reason,
                origin.topic,
                origin.partition,
                origin.offset,
                "worker",
                exc=exc,
                history=history,
            ),
        )
        metrics.JOBS_DEAD_LETTERED.labels(request.job_type).inc()
        await self.emitter.emit(
            JobEvent(
                EventType.DEAD_LETTERED,
                request.job_id,
                request.job_type,
                attempt,
                event_seq(series, attempt, FINAL_STEP),
                {"reason": reason},
            )
        )

    def _log_outcome(self, run: Run, outcome: str) -> None:
        metrics.record_outcome(run.job_type.value, outcome, run.began or time.monotonic())
        log.info(
            "job %s attempt %d: %s",
            run.request.job_id,
            run.attempt,
            outcome,
            extra=_extra(run.origin, run.request.job_id, run.attempt, run.job_type.value),
        )


def _extra(
    origin: Origin, job_id: str | None = None, attempt: int | None = None, job_type: str | None = None
) -> dict[str, Any]:
    """The context fields of a worker log line (see seojobs.logs.CONTEXT_FIELDS)."""
    return {
        "job_id": job_id,
        "attempt": attempt,
        "job_type": job_type,
        "topic": origin.topic,
        "partition": origin.partition,
        "offset": origin.offset,
    }


def _uuid(value: Any) -> uuid.UUID | None:
    return uuid.UUID(str(value)) if value else None


def _settled(delivery: asyncio.Future[object]) -> None:
    """Mark a delivery's failure as seen (the send that follows it fails too, and is handled)."""
    if not delivery.cancelled():
        delivery.exception()
