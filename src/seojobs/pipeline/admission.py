"""The runner's decision for an admitted message: skip, re-publish, cancel, hold, start or dead-letter.

Pure: it reads the job's view (what one lease statement answered) and the message's sequence
numbers, and names what the runner does; the runner does it. Tested by a parametrized table in
``tests/unit/pipeline/test_pipeline_admission.py``, without a database.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol

from seojobs.domain.jobs import JobStatus, is_terminal


class Verdict(StrEnum):
    """What happens to an admitted message (the runner's outcome names)."""

    MISSING = "missing"  # no such job: dead-letter the message
    SKIPPED = "skipped"  # finished, redriven, or this attempt already ended: an old message
    STORED = "stored"  # the result is stored: publish job.completed again, run nothing
    CANCELLED = "cancelled"  # a cancel was asked before the run: publish job.cancelled
    ELSEWHERE = "elsewhere"  # leased already: running or held by some worker
    HELD = "held"  # leased as held: any worker with a free slot takes it
    STARTED = "started"  # leased as running here: start the handler


class JobViewLike(Protocol):
    """The job's row as the lease statement reports it."""

    @property
    def status(self) -> str:
        """The job's projected status."""

    @property
    def cancel_requested(self) -> bool:
        """Whether a cancel was asked."""

    @property
    def series(self) -> int:
        """The job's current attempt series."""

    @property
    def last_seq(self) -> int:
        """The highest event sequence the projection applied."""

    @property
    def stored(self) -> Any:
        """The stored result, if any."""

    @property
    def claimed(self) -> bool:
        """Whether this statement leased the job."""


def admission_verdict(view: JobViewLike | None, series: int, final_seq: int, has_slot: bool) -> Verdict:
    """Decide, in this order: missing, old, stored, cancelled, leased elsewhere; then started when
    the message got a run slot of this process (``has_slot``), else held."""
    if view is None:
        return Verdict.MISSING
    if view.series > series or is_terminal(JobStatus(view.status)) or view.last_seq >= final_seq:
        return Verdict.SKIPPED
    if view.stored is not None:
        return Verdict.STORED
    if view.cancel_requested:
        return Verdict.CANCELLED
    if not view.claimed:
        return Verdict.ELSEWHERE
    return Verdict.STARTED if has_slot else Verdict.HELD
