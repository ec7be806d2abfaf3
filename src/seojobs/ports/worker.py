"""What a job handler sees of the worker runtime, and what the runtime expects of a handler."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from seojobs.domain.jobs import JobType


class JobContext(Protocol):
    """One run of one job, as its handler sees it."""

    @property
    def job_id(self) -> uuid.UUID:
        """The job's id."""

    @property
    def job_type(self) -> JobType:
        """The job's type."""

    @property
    def attempt(self) -> int:
        """This run's attempt number (1 for the first)."""

    @property
    def series(self) -> int:
        """The job's attempt series (0, then one more per redrive): a checkpoint belongs to one."""

    @property
    def payload(self) -> dict[str, Any]:
        """The job's validated payload (camelCase keys, as enqueued)."""

    @property
    def user_id(self) -> uuid.UUID | None:
        """The user the job runs for, if any."""

    async def progress(self, percent: int, message: str | None = None) -> None:
        """Report progress (0-100); also a cancellation checkpoint (raises JobCancelled)."""

    async def checkpoint(self) -> None:
        """Raise JobCancelled when the job's cancellation was requested."""


#: A handler runs one job and returns its result (a JSON object), or raises a JobFailure.
Handler = Callable[[JobContext], Awaitable[dict[str, Any]]]
