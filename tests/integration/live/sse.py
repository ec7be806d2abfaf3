"""A small Server-Sent Events reader over an httpx streaming response."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class SseEvent:
    """One event: its name, id and JSON data."""

    event: str
    id: str | None
    data: dict[str, Any]


async def read_events(resp: httpx.Response) -> AsyncIterator[SseEvent]:
    """The events of a text/event-stream response, comments (pings) skipped."""
    fields: dict[str, str] = {}
    async for line in resp.aiter_lines():
        if not line:
            if "data" in fields:
                yield SseEvent(fields.get("event", "message"), fields.get("id"), json.loads(fields["data"]))
            fields = {}
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        fields[name] = f"{fields[name]}\n{value}" if name == "data" and name in fields else value
