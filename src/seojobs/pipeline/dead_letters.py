"""The record a message becomes on the dead-letter topic: the original, the cause, the origin."""

from __future__ import annotations

import base64
import json
import traceback
from typing import Any

from seojobs.domain.contracts.dead_letter import Component, DeadLetterRecord, MessageSource
from seojobs.domain.events import utcnow


def dead_letter_record(
    original: bytes | None,
    reason: str,
    topic: str,
    partition: int,
    offset: int,
    component: Component,
    *,
    exc: BaseException | None = None,
    history: list[dict[str, Any]] | None = None,
) -> bytes:
    """The dead-letter message value (JSON, ``schemas/dead_letter.v1.json``): what failed, why,
    and where it came from."""
    try:
        original_json: Any = json.loads(original) if original is not None else None
        original_b64 = None
    except (UnicodeDecodeError, json.JSONDecodeError):
        original_json = None
        original_b64 = base64.b64encode(original or b"").decode()
    record = DeadLetterRecord(
        reason=reason,
        error_type=type(exc).__name__ if exc else "InvalidMessage",
        stack="".join(traceback.format_exception(exc)) if exc else None,
        source=MessageSource(topic=topic, partition=partition, offset=offset),
        component=component,
        dead_lettered_at=utcnow().isoformat(),
        attempts=history or [],
        original=original_json,
        original_base64=original_b64,
    )
    # json.dumps, not model_dump_json: an attempt's entries may hold values only str() can write.
    return json.dumps(record.model_dump(), default=str).encode()
