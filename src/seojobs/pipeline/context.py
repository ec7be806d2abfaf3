"""The JobContext a handler gets: progress events with rising sequence numbers, cancel checks."""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db import queries as q
from seojobs.domain.contracts.event_payloads import ProgressPayload
from seojobs.domain.errors import JobCancelled
from seojobs.domain.events import STARTED_STEP, EventType, JobEvent, event_seq
from seojobs.domain.jobs import JobType
from seojobs.pipeline.emitter import Emitter

#: Least time between two cancellation look-ups in the database, seconds.
CANCEL_CHECK_EVERY_S = 0.25


class RunContext:
    """One run of one job (implements seojobs.ports.worker.JobContext)."""

    def __init__(
        self,
        *,
        job_id: uuid.UUID,
        job_type: JobType,
        attempt: int,
        series: int,
        payload: dict[str, Any],
        user_id: uuid.UUID | None,
        engine: AsyncEngine,
        emitter: Emitter,
    ) -> None:
        self._job_id = job_id
        self._job_type = job_type
        self._attempt = attempt
        self.series = series
        self._payload = payload
        self._user_id = user_id
        self._engine = engine
        self._emitter = emitter
        self._step = STARTED_STEP
        self._last_check = 0.0
        self.last_progress = 0

    @property
    def job_id(self) -> uuid.UUID:
        """The job's id."""
        return self._job_id

    @property
    def job_type(self) -> JobType:
        """The job's type."""
        return self._job_type

    @property
    def attempt(self) -> int:
        """This run's attempt number."""
        return self._attempt

    @property
    def payload(self) -> dict[str, Any]:
        """The job's payload."""
        return self._payload

    @property
    def user_id(self) -> uuid.UUID | None:
        """The job's owner."""
        return self._user_id

    def next_seq(self) -> int:
        """The next sequence number of this run."""
        self._step += 1
        return event_seq(self.series, self._attempt, self._step)

    def event(self, event_type: EventType, seq: int, payload: dict[str, Any]) -> JobEvent:
        """An event of this run."""
        return JobEvent(event_type, str(self._job_id), self._job_type.value, self._attempt, seq, payload)

    async def progress(self, percent: int, message: str | None = None) -> None:
        """Publish a progress event, then check for cancellation."""
        percent = max(0, min(100, int(percent)))
        self.last_progress = percent
        body = ProgressPayload(progress=percent, message=message or None).model_dump(exclude_none=True)
        await self._emitter.emit(self.event(EventType.PROGRESS, self.next_seq(), body))
        await self.checkpoint()

    async def checkpoint(self) -> None:
        """Raise JobCancelled when cancellation was requested (looked up at most every 250 ms)."""
        now = time.monotonic()
        if now - self._last_check < CANCEL_CHECK_EVERY_S:
            return
        self._last_check = now
        async with self._engine.connect() as conn:
            row = (await conn.execute(q.WORKER_VIEW, {"id": self._job_id})).first()
        if row is not None and row.cancel_requested:
            raise JobCancelled(f"job {self._job_id} was cancelled")
