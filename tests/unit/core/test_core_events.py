"""Events: encoding, decoding, rejection reasons, sequence order, schema conformance."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from seojobs.domain.errors import ValidationFailed
from seojobs.domain.events import (
    FINAL_STEP,
    STARTED_STEP,
    TERMINAL_STEP,
    EventType,
    JobEvent,
    decode_event,
    event_seq,
)
from seojobs.domain.jobs import JobType
from seojobs.domain.requests import NewJob, outbox_messages, requested_event, work_topic
from seojobs.domain.topics import Topics
from tests.support.schemas import event_errors


def make_event(event_type: EventType = EventType.PROGRESS, **payload: object) -> JobEvent:
    return JobEvent(event_type, str(uuid.uuid4()), "SYNC_METRICS", 1, event_seq(0, 1, 2), payload)


def test_an_event_survives_encode_and_decode() -> None:
    event = make_event(progress=40, message="half")
    assert decode_event(event.encode()) == event
    assert event.key == event.job_id.encode()


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (None, "empty"),
        (b"\xff\xfe", "not valid JSON"),
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"event_type": "job.progress"}', "lacks fields"),
        (json.dumps({**make_event().to_dict(), "schema_version": 99}).encode(), "unknown schema version"),
        (json.dumps({**make_event().to_dict(), "event_type": "job.exploded"}).encode(), "unknown event type"),
        (json.dumps({**make_event().to_dict(), "seq": "7"}).encode(), "must be integers"),
        (json.dumps({**make_event().to_dict(), "payload": [1]}).encode(), "payload must be an object"),
    ],
)
def test_bad_messages_are_rejected_with_a_reason(raw: bytes | None, reason: str) -> None:
    with pytest.raises(ValidationFailed, match=reason):
        decode_event(raw)


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ((0, 0, 0), (0, 1, STARTED_STEP)),  # the request, then the first run
        ((0, 1, STARTED_STEP), (0, 1, 5)),  # started, then progress
        ((0, 1, 900), (0, 1, TERMINAL_STEP)),  # progress, then completion
        ((0, 1, TERMINAL_STEP), (0, 1, FINAL_STEP)),  # failure, then dead letter
        ((0, 1, FINAL_STEP), (0, 2, STARTED_STEP)),  # an attempt's end, then the retry
        ((0, 3, FINAL_STEP), (1, 0, 0)),  # the last attempt, then a redrive's request
    ],
)
def test_sequence_numbers_order_series_then_attempt_then_step(
    earlier: tuple[int, int, int], later: tuple[int, int, int]
) -> None:
    assert event_seq(*earlier) < event_seq(*later)


def test_an_enqueue_writes_the_request_to_the_event_log_and_the_work_topic_is_the_lane() -> None:
    topics = Topics("p.")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    job = NewJob(JobType.CRAWL_SITE, {"siteId": str(uuid.uuid4())}, 9, 3)
    assert [t for t, _ in outbox_messages(job, topics, now)] == ["p.job.events"]
    assert work_topic(topics, JobType.CRAWL_SITE, 9) == "p.crawler.requested.high"
    assert work_topic(topics, JobType.SYNC_METRICS, 4) == "p.maintenance.requested.medium"
    assert work_topic(topics, JobType.CLEANUP_ROLLBACKS, 0) == "p.maintenance.requested.low"


def test_events_the_code_builds_match_the_published_schemas() -> None:
    job = NewJob(JobType.CLEANUP_ROLLBACKS, {"daysOld": 90}, 2, 3, user_id=uuid.uuid4())
    built = [
        requested_event(job, datetime.now(UTC)),
        make_event(EventType.PROGRESS, progress=10, message="x"),
        make_event(EventType.STARTED, topic="t", partition=0, worker="h:1"),
        make_event(EventType.COMPLETED, result={"success": True}),
        make_event(EventType.FAILED, error="boom"),
        make_event(EventType.CANCELLED, reason="asked"),
        make_event(EventType.RETRY_SCHEDULED, error="x", due_at=datetime.now(UTC).isoformat(), step=0),
        make_event(EventType.DEAD_LETTERED, reason="x"),
    ]
    for event in built:
        assert event_errors(json.loads(event.encode())) == [], event.event_type


@pytest.mark.parametrize(("payload", "expected"), [({}, 0), ({"series": None}, 0), ({"series": 3}, 3)])
def test_series_is_read_from_the_payload_as_an_int(payload: dict[str, object], expected: int) -> None:
    """The typed series accessor replaces int(payload.get("series", 0)) at its readers."""
    event = JobEvent(EventType.REQUESTED, "j", "crawl", 0, 0, payload=payload)
    assert event.series == expected
