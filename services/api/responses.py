"""JSON responses encoded with orjson, returned by the hot routes as they are.

A route that returns a Response skips FastAPI's serialization step (validating the value against
the route's response model and encoding it): the polled routes build plain dicts of str, int,
bool and None, which orjson encodes in one call. Their ``response_model`` still documents them.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


class OrjsonResponse(Response):
    """A JSON response encoded with orjson."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """The content as JSON bytes."""
        return orjson.dumps(content)
