"""The hot paths' JSON: compact, UTF-8, and never failing on a value JSON has no type for."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal

from seojobs.domain.events import EventType, JobEvent, decode_event
from seojobs.domain.json_text import json_bytes, json_text


def test_values_json_lacks_a_type_for_are_written_as_their_string() -> None:
    when = datetime(2026, 12, 4, 19, 0, tzinfo=UTC)
    job = uuid.UUID(int=7)
    text = json_text({"price": Decimal("1.50"), "at": when, "id": job, 3: "three", "name": "Café"})
    assert json.loads(text) == {
        "price": "1.50",
        "at": "2026-12-04T19:00:00+00:00",
        "id": str(job),
        "3": "three",
        "name": "Café",
    }
    assert json_bytes([1, 2]) == b"[1,2]"


def test_an_encoded_event_decodes_to_itself() -> None:
    event = JobEvent(
        EventType.COMPLETED,
        str(uuid.uuid4()),
        "NOOP",
        2,
        99,
        {"result": {"success": True, "issuesByRule": {"title_missing": 2}}},
    )
    assert decode_event(event.encode()) == event
    assert json.loads(event.encode()) == event.to_dict()
