"""Validate events against the JSON Schemas in schemas/ (what other languages rely on)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


@cache
def _validator(path: Path) -> Draft202012Validator:
    schema = json.loads(path.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def event_errors(event: dict[str, Any]) -> list[str]:
    """Every way an event breaks the envelope or its type's payload schema (empty: valid)."""
    errors = [e.message for e in _validator(SCHEMAS / "events" / "envelope.v1.json").iter_errors(event)]
    payload_schema = SCHEMAS / "events" / "payloads" / f"{event.get('event_type')}.v1.json"
    if not payload_schema.exists():
        return [*errors, f"no payload schema for {event.get('event_type')!r}"]
    errors += [f"payload: {e.message}" for e in _validator(payload_schema).iter_errors(event["payload"])]
    return errors


def dead_letter_errors(record: dict[str, Any]) -> list[str]:
    """Every way a dead-letter record breaks its schema."""
    return [e.message for e in _validator(SCHEMAS / "dead_letter.v1.json").iter_errors(record)]
