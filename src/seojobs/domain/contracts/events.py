"""The job-event envelope (version 1) and the payload of each event type.

The envelope is what every message on the job-event, work and delay topics is. Payloads are open
(extra fields are kept): a delay topic's job.retry_scheduled carries the whole request besides its
own fields, and a restarted request counts its restarts.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from seojobs.domain.contracts.fields import DateTimeStr, UuidStr, require
from seojobs.domain.jobs import JobType

#: Version of the envelope and payload shapes described in schemas/ (``Envelope.schema_version``).
SCHEMA_VERSION: Literal[1] = 1

_SEQ = (
    "Per-job monotonic sequence: series (redrives) << 32 | attempt << 20 | step. A projector "
    "applies an event only if its seq is above the row's last applied seq."
)


class EventType(StrEnum):
    """The lifecycle events of a job."""

    REQUESTED = "job.requested"
    STARTED = "job.started"
    PROGRESS = "job.progress"
    COMPLETED = "job.completed"
    FAILED = "job.failed"
    CANCELLED = "job.cancelled"
    RETRY_SCHEDULED = "job.retry_scheduled"
    DEAD_LETTERED = "job.dead_lettered"


class Envelope(BaseModel):
    """Every message on the job-event, work and delay topics."""

    # The reader ignores fields it does not know (a newer producer may add some); the published
    # schema forbids them, so producers in other languages send exactly these.
    model_config = ConfigDict(
        extra="ignore", frozen=True, json_schema_extra=require("schema_version", "payload")
    )

    event_id: UuidStr = Field(description="Unique id of this event.")
    event_type: EventType
    schema_version: Literal[1] = 1
    job_id: UuidStr
    job_type: JobType
    attempt: int = Field(
        ge=0, strict=True, description="The attempt this event belongs to (0 for a request not yet run)."
    )
    seq: int = Field(ge=0, strict=True, description=_SEQ)
    occurred_at: DateTimeStr
    payload: dict[str, Any] = Field(
        default_factory=dict, description="Shape depends on event_type: see payloads/<event_type>.v1.json."
    )

    @field_validator("payload", mode="before")
    @classmethod
    def _empty_is_no_payload(cls, value: Any) -> Any:
        # A null (or otherwise empty) payload reads as {}, as it always has.
        return value or {}
