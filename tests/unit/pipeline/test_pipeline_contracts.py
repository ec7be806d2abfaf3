"""What the pipeline writes and reads through the contract models: dead letters, delayed retries,
NOTIFY payloads."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from seojobs.domain.contracts.dead_letter import DeadLetterRecord
from seojobs.domain.contracts.notify import JobsChanged
from seojobs.domain.errors import PermanentError, ValidationFailed
from seojobs.domain.events import EventType, JobEvent
from seojobs.pipeline.dead_letters import dead_letter_record
from seojobs.pipeline.delays import released
from seojobs.pipeline.job_changes import chunk_payloads, parse_job_ids
from tests.support.schemas import dead_letter_errors


@pytest.mark.parametrize("component", ["worker", "delay", "projector", "dispatcher"])
@pytest.mark.parametrize("original", [b'{"job_id": "j"}', b"\xffnot json", None])
def test_dead_letter_records_fit_the_model_and_the_schema(component: str, original: bytes | None) -> None:
    at = datetime.now(UTC)
    raw = dead_letter_record(
        original,
        "boom",
        "t",
        1,
        2,
        component,  # type: ignore[arg-type]
        exc=PermanentError("boom"),
        history=[{"attempt": 1, "error": "x", "at": at}],
    )
    record = DeadLetterRecord.model_validate_json(raw)
    assert dead_letter_errors(json.loads(raw)) == []
    assert (record.component, record.error_type, record.source.offset) == (component, "PermanentError", 2)
    assert record.attempts == [{"attempt": 1, "error": "x", "at": str(at)}]
    assert (record.original is None) == (original != b'{"job_id": "j"}')
    assert (record.original_base64 is not None) == (original == b"\xffnot json")


def _delayed(**payload: object) -> JobEvent:
    return JobEvent(EventType.RETRY_SCHEDULED, str(uuid.uuid4()), "NOOP", 1, 9, payload)


def test_a_due_retry_becomes_its_request_on_its_work_topic() -> None:
    due = datetime.now(UTC) + timedelta(seconds=5)
    request = {"type": "NOOP", "payload": {}, "max_attempts": 3, "history": [{"attempt": 1, "error": "x"}]}
    at, topic, event = released(_delayed(**request, due_at=due.isoformat(), target_topic="w", step=0))
    assert (at, topic, event.event_type, event.payload) == (due, "w", EventType.REQUESTED, request)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"target_topic": "w"}, "lacks a valid due_at"),
        ({"target_topic": "w", "due_at": "soon"}, "lacks a valid due_at"),
        ({"target_topic": "w", "due_at": 5}, "lacks a valid due_at"),
        ({"due_at": "2026-01-01T00:00:00+00:00"}, "lacks its target_topic"),
        (
            {"due_at": "2026-01-01T00:00:00+00:00", "target_topic": "w", "step": "two"},
            "invalid delayed message: step",
        ),
    ],
)
def test_a_message_that_is_no_delayed_retry_is_refused(payload: dict[str, object], reason: str) -> None:
    with pytest.raises(ValidationFailed, match=reason):
        released(_delayed(**payload))


def test_notify_payloads_are_the_contracts_lists_of_ids() -> None:
    ids = sorted(str(uuid.uuid4()) for _ in range(3))
    [payload] = chunk_payloads(ids)
    assert JobsChanged.model_validate_json(payload).root == [uuid.UUID(i) for i in ids]
    assert parse_job_ids(payload) == {uuid.UUID(i) for i in ids}
