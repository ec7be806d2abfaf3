"""The contract models: schemas/ is generated from them, decode and typed payloads use them."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from seojobs.cli.schemas import SCHEMAS_DIR, differences
from seojobs.domain.contracts.documents import catalogue, schema_of
from seojobs.domain.contracts.event_payloads import (
    PAYLOADS,
    ProgressPayload,
    RequestedPayload,
    RetryScheduledPayload,
)
from seojobs.domain.contracts.events import Envelope, EventType
from seojobs.domain.errors import ValidationFailed
from seojobs.domain.events import JobEvent, decode_event, event_seq
from seojobs.domain.jobs import JobType
from seojobs.domain.registry import KNOWN
from seojobs.domain.requests import NewJob, requested_event


def _doc(path: str) -> dict[str, Any]:
    return next(schema_of(d) for d in catalogue() if d.path == path)


def test_the_committed_schemas_are_the_models() -> None:
    """Fails when a model changed without `seojobs schemas --write` (or a file was edited by hand)."""
    assert [(d.kind, d.path) for d in differences(SCHEMAS_DIR)] == []


def test_the_envelope_names_every_job_type_the_code_knows_and_every_event_type() -> None:
    envelope = json.loads((SCHEMAS_DIR / "events" / "envelope.v1.json").read_text())
    known = [t.value for t in KNOWN.types()]
    assert envelope["properties"]["job_type"]["enum"] == known
    assert set(known) == {t.value for t in JobType}, "a JobType is declared in no registry"
    assert envelope["properties"]["event_type"]["enum"] == [e.value for e in EventType]
    requested = _doc("events/payloads/job.requested.v1.json")
    assert requested["properties"]["type"]["enum"] == known


def test_every_event_type_has_a_payload_model_and_a_document() -> None:
    assert set(PAYLOADS) == set(EventType)
    paths = {d.path for d in catalogue()}
    assert {f"events/payloads/{e.value}.v1.json" for e in EventType} <= paths
    assert all(d.path.endswith(".v1.json") for d in catalogue())


def test_documents_are_self_contained_and_keep_their_ids() -> None:
    for doc in catalogue():
        schema = schema_of(doc)
        assert schema["$id"] == f"https://seojobs.dev/schemas/{doc.path}"
        assert schema["title"] and schema["description"]
        Draft202012Validator.check_schema(schema)
        assert "$ref" not in json.dumps(schema) and "$defs" not in schema


def test_the_envelope_requires_what_producers_must_send_but_decode_is_lenient() -> None:
    required = _doc("events/envelope.v1.json")["required"]
    assert set(required) == set(Envelope.model_fields)
    bare = {
        "event_id": str(uuid.uuid4()),
        "event_type": "job.failed",
        "job_id": str(uuid.uuid4()),
        "job_type": "NOOP",
        "attempt": 1,
        "seq": 3,
        "occurred_at": "2026-01-01T00:00:00+00:00",
    }
    event = decode_event(json.dumps(bare).encode())
    assert (event.payload, event.schema_version) == ({}, 1)
    assert decode_event(json.dumps({**bare, "payload": None, "newer_field": 1}).encode()).payload == {}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"job_type": "PAINT_FENCE"}, "unknown job type 'PAINT_FENCE'"),
        ({"attempt": -1}, "attempt: Input should be greater than or equal to 0"),
        ({"job_id": 7}, "job_id: Input should be a valid string"),
    ],
)
def test_decode_names_what_is_wrong(change: dict[str, Any], reason: str) -> None:
    event = JobEvent(EventType.PROGRESS, str(uuid.uuid4()), "SYNC_METRICS", 1, 5, {"progress": 1})
    with pytest.raises(ValidationFailed, match=reason):
        decode_event(json.dumps({**event.to_dict(), **change}).encode())


def test_body_gives_the_typed_payload() -> None:
    job = NewJob(JobType.SYNC_METRICS, {}, 4, 3, user_id=uuid.uuid4())
    body = requested_event(job, datetime.now(UTC), series=2).body()
    assert isinstance(body, RequestedPayload)
    assert (body.series, body.max_attempts, body.user_id) == (2, 3, str(job.user_id))
    progress = JobEvent(EventType.PROGRESS, "j", "NOOP", 1, event_seq(0, 1, 2), {"progress": 7}).body()
    assert progress == ProgressPayload(progress=7)
    delayed = JobEvent(
        EventType.RETRY_SCHEDULED,
        "j",
        "NOOP",
        1,
        9,
        {"due_at": "2026-01-01T00:00:00+00:00", "target_topic": "t", "type": "NOOP"},
    ).body()
    assert isinstance(delayed, RetryScheduledPayload) and delayed.target_topic == "t"
    assert delayed.model_extra == {"type": "NOOP"}, "the request a delay topic carries is kept"


def test_body_refuses_a_payload_that_breaks_its_model() -> None:
    with pytest.raises(
        ValidationFailed, match=r"invalid job.progress payload: progress: .*less than or equal"
    ):
        JobEvent(EventType.PROGRESS, "j", "NOOP", 1, 2, {"progress": 101}).body()
