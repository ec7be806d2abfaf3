"""The payload of each job event type (version 1), keyed by EventType in ``PAYLOADS``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from seojobs.domain.contracts.events import EventType
from seojobs.domain.contracts.fields import (
    OPEN,
    DateTimeStr,
    NullableUuid,
    OptionalBool,
    OptionalCount,
    OptionalStr,
    UuidStr,
)
from seojobs.domain.jobs import MAX_PRIORITY, MIN_PRIORITY, JobType


class _Payload(BaseModel):
    model_config = OPEN


class FailedAttempt(_Payload):
    """One earlier failed attempt of a job (a retry's history)."""

    # Untyped in version 1 of the contract (producers write an int and a str); kept as published.
    attempt: Any = Field(description="The attempt that failed (an integer).")
    error: Any = Field(description="Why it failed (a string).")


class RequestedPayload(_Payload):
    """job.requested: the whole job, so the jobs table can be rebuilt from the topic."""

    type: JobType
    priority: int = Field(ge=MIN_PRIORITY, le=MAX_PRIORITY)
    payload: dict[str, Any] = Field(
        description="The job type's payload, camelCase keys (siteId, userId, maxPages, daysOld, month...)."
    )
    max_attempts: int = Field(ge=1)
    user_id: NullableUuid
    site_id: NullableUuid
    scheduled_for: DateTimeStr
    created_at: DateTimeStr
    idempotency_key: str | None = None
    parent_id: NullableUuid = None
    depends_on: list[UuidStr] = Field(default_factory=list)
    series: int = Field(ge=0)
    history: list[FailedAttempt] = Field(
        default_factory=list, description="Earlier failed attempts, when this request is a retry."
    )
    restarts: OptionalCount = Field(
        None, description="How often a dead worker's attempt was restarted (a restart's request)."
    )


class StartedPayload(_Payload):
    """job.started: where the attempt runs."""

    topic: str = Field(description="The work topic the request came from.")
    partition: int = Field(ge=0)
    worker: str = Field(description="host:pid of the worker process.")


class ProgressPayload(_Payload):
    """job.progress: how far the attempt is."""

    progress: int = Field(ge=0, le=100)
    message: OptionalStr = None


class JobOutcome(_Payload):
    """A job's result as job.completed carries it: ``success`` and the job type's fields."""

    success: bool


class CompletedPayload(_Payload):
    """job.completed: the job's result."""

    result: JobOutcome = Field(
        description=(
            "The job type's result (the seed's shapes, e.g. {success, pagesAnalyzed, issuesFound, ...})."
        )
    )


class FailedPayload(_Payload):
    """job.failed: why the job failed for good."""

    error: str


class CancelledPayload(_Payload):
    """job.cancelled: why the job was cancelled."""

    reason: str


class RetryScheduledPayload(_Payload):
    """job.retry_scheduled: on the job-event topic the error, due time and delay step; on a delay
    topic the request plus due_at and target_topic."""

    error: OptionalStr = None
    due_at: DateTimeStr
    step: OptionalCount = None
    target_topic: OptionalStr = None
    history: list[dict[str, Any]] = Field(default_factory=list)
    restart: OptionalBool = Field(None, description="True when a dead worker's attempt is restarted.")


class DeadLetteredPayload(_Payload):
    """job.dead_lettered: why the job's message went to the dead-letter topic."""

    reason: str


#: The payload model of each event type.
PAYLOADS: dict[EventType, type[BaseModel]] = {
    EventType.REQUESTED: RequestedPayload,
    EventType.STARTED: StartedPayload,
    EventType.PROGRESS: ProgressPayload,
    EventType.COMPLETED: CompletedPayload,
    EventType.FAILED: FailedPayload,
    EventType.CANCELLED: CancelledPayload,
    EventType.RETRY_SCHEDULED: RetryScheduledPayload,
    EventType.DEAD_LETTERED: DeadLetteredPayload,
}

#: Titles of the published payload schemas (where the docstring alone does not say enough).
TITLES: dict[EventType, str] = {
    EventType.REQUESTED: (
        "job.requested payload: the whole job, so the jobs table can be rebuilt from the topic"
    ),
    EventType.RETRY_SCHEDULED: (
        "job.retry_scheduled payload (on the job-event topic: error, due time, delay step; on a "
        "delay topic: the request plus due_at and target_topic)"
    ),
}
