"""A JobContext for handler tests: it records the progress reported and never cancels."""

from __future__ import annotations

import uuid
from typing import Any

from seojobs.domain.jobs import JobType


class RecordingCtx:
    """A JobContext that records progress."""

    def __init__(self, job_type: JobType, payload: dict[str, Any], job_id: uuid.UUID | None = None) -> None:
        """A first attempt of a job_type job with payload (its userId is the requester)."""
        self.job_id = job_id or uuid.uuid4()
        self.job_type = job_type
        self.attempt = 1
        self.series = 0
        self.payload = payload
        self.user_id = uuid.UUID(payload["userId"])
        self.seen: list[int] = []

    async def progress(self, percent: int, message: str | None = None) -> None:
        """Record percent."""
        self.seen.append(percent)

    async def checkpoint(self) -> None:
        """Nothing to save."""
        return None
