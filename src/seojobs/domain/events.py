"""Job events: one small frozen envelope, versioned, with a per-job monotonic sequence."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from seojobs.domain.errors import ValidationFailed

#: Version of the envelope and payload shapes described in schemas/.
SCHEMA_VERSION = 1


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


#: Bits of the sequence given to the step within one attempt.
STEP_BITS = 20
#: Bits of the sequence given to the attempt number within one series.
ATTEMPT_BITS = 12
#: The step of the event that ends an attempt (nothing in that attempt comes after it).
FINAL_STEP = (1 << STEP_BITS) - 1
#: The step of the event that ends an attempt's work (completed, failed, cancelled, retry).
TERMINAL_STEP = FINAL_STEP - 1
#: The step of job.started within an attempt; progress steps follow it.
STARTED_STEP = 1


def event_seq(series: int, attempt: int, step: int) -> int:
    """The per-job sequence: series (redrives), then attempt, then step; larger is later."""
    step = min(max(step, 0), FINAL_STEP)
    attempt = min(max(attempt, 0), (1 << ATTEMPT_BITS) - 1)
    return (series << (STEP_BITS + ATTEMPT_BITS)) | (attempt << STEP_BITS) | step


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class JobEvent:
    """The envelope every job event travels in (key = job id)."""

    event_type: EventType
    job_id: str
    job_type: str
    attempt: int
    seq: int
    payload: dict[str, Any] = field(default_factory=dict)
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: str = field(default_factory=lambda: utcnow().isoformat())
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, as it travels on the topics."""
        d = asdict(self)
        d["event_type"] = self.event_type.value
        return d

    def encode(self) -> bytes:
        """The bytes of the message value."""
        return json.dumps(self.to_dict(), separators=(",", ":"), default=str).encode()

    @property
    def series(self) -> int:
        """The redrive series a job.requested carries in its payload (0 when absent or null)."""
        return int(self.payload.get("series") or 0)

    @property
    def key(self) -> bytes:
        """The message key: the job id keeps one job's events in one partition."""
        return self.job_id.encode()


_REQUIRED = ("event_type", "job_id", "job_type", "attempt", "seq", "event_id", "occurred_at")


def decode_event(raw: bytes | None) -> JobEvent:
    """Parse a message value into an event, or raise ValidationFailed with the reason."""
    if raw is None:
        raise ValidationFailed("empty message value")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(f"message is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ValidationFailed("message is not a JSON object")
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise ValidationFailed(f"event lacks fields: {', '.join(missing)}")
    version = data.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise ValidationFailed(f"unknown schema version {version!r} (this build reads {SCHEMA_VERSION})")
    try:
        etype = EventType(data["event_type"])
    except ValueError as exc:
        raise ValidationFailed(f"unknown event type {data['event_type']!r}") from exc
    if not isinstance(data["attempt"], int) or not isinstance(data["seq"], int):
        raise ValidationFailed("attempt and seq must be integers")
    payload = data.get("payload") or {}
    if not isinstance(payload, dict):
        raise ValidationFailed("payload must be an object")
    return JobEvent(
        event_type=etype, job_id=str(data["job_id"]), job_type=str(data["job_type"]),
        attempt=data["attempt"], seq=data["seq"], payload=payload,
        event_id=str(data["event_id"]), occurred_at=str(data["occurred_at"]),
        schema_version=version,
    )
