"""Job events: one small frozen envelope, versioned, with a per-job monotonic sequence."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from seojobs.domain.contracts.event_payloads import PAYLOADS
from seojobs.domain.contracts.events import SCHEMA_VERSION, Envelope, EventType
from seojobs.domain.errors import ValidationFailed
from seojobs.domain.json_text import json_bytes
from seojobs.domain.payloads import explain

__all__ = ["SCHEMA_VERSION", "EventType", "JobEvent", "decode_event", "event_seq", "utcnow"]


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
        """The JSON form, as it travels on the topics (the payload is shared, not copied)."""
        return {
            "event_type": self.event_type.value,
            "job_id": self.job_id,
            "job_type": self.job_type,
            "attempt": self.attempt,
            "seq": self.seq,
            "payload": self.payload,
            "event_id": self.event_id,
            "occurred_at": self.occurred_at,
            "schema_version": self.schema_version,
        }

    def encode(self) -> bytes:
        """The bytes of the message value (UTF-8 JSON; a value JSON has no type for, such as a
        Decimal, as its string)."""
        return json_bytes(self.to_dict())

    @property
    def series(self) -> int:
        """The redrive series a job.requested carries in its payload (0 when absent or null)."""
        return int(self.payload.get("series") or 0)

    def body(self) -> BaseModel:
        """The payload as its event type's model (raises ValidationFailed when it does not fit)."""
        model = PAYLOADS[self.event_type]
        try:
            return model.model_validate(self.payload)
        except ValidationError as exc:
            raise ValidationFailed(f"invalid {self.event_type.value} payload: {explain(exc)}") from exc

    @property
    def key(self) -> bytes:
        """The message key: the job id keeps one job's events in one partition."""
        return self.job_id.encode()


#: Envelope fields in the order a missing one is reported.
_REQUIRED = ("event_type", "job_id", "job_type", "attempt", "seq", "event_id", "occurred_at")


def _reason(exc: ValidationError) -> str:
    """The first problem of an envelope, in the words the hand-written checks used."""
    errors = exc.errors(include_url=False, include_context=False)
    by_field: dict[str, ErrorDetails] = {}
    for err in errors:
        if err["type"] == "json_invalid":
            return f"message is not valid JSON: {err['msg']}"
        if not err["loc"]:
            return "message is not a JSON object"
        by_field.setdefault(str(err["loc"][0]), err)
    missing = [k for k in _REQUIRED if k in by_field and by_field[k]["type"] == "missing"]
    if missing:
        return f"event lacks fields: {', '.join(missing)}"
    if "schema_version" in by_field:
        version = by_field["schema_version"]["input"]
        return f"unknown schema version {version!r} (this build reads {SCHEMA_VERSION})"
    for name in ("event_type", "job_type"):
        if name in by_field and by_field[name]["type"] == "enum":
            return f"unknown {name.replace('_', ' ')} {by_field[name]['input']!r}"
    if {"attempt", "seq"} & by_field.keys() and all(
        e["type"] == "int_type" for k, e in by_field.items() if k in ("attempt", "seq")
    ):
        return "attempt and seq must be integers"
    if "payload" in by_field:
        return "payload must be an object"
    return f"invalid event: {explain(exc)}"


def decode_event(raw: bytes | None) -> JobEvent:
    """Parse a message value into an event, or raise ValidationFailed with the reason."""
    if raw is None:
        raise ValidationFailed("empty message value")
    try:
        env = Envelope.model_validate_json(raw)
    except ValidationError as exc:
        raise ValidationFailed(_reason(exc)) from exc
    return JobEvent(
        env.event_type,
        env.job_id,
        env.job_type.value,
        env.attempt,
        env.seq,
        env.payload,
        env.event_id,
        env.occurred_at,
        env.schema_version,
    )
