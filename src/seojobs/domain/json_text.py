"""JSON of the hot paths (event values, results and payloads written to PostgreSQL), with orjson."""

from __future__ import annotations

from typing import Any

import orjson


def json_bytes(value: Any) -> bytes:
    """value as compact UTF-8 JSON; a value JSON has no type for (a Decimal, say) as its string."""
    return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS)


def json_text(value: Any) -> str:
    """json_bytes(value) as text."""
    return json_bytes(value).decode()
