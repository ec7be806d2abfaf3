"""How a job event changes the job's row: forward only, stale and duplicate events are no-ops."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from seojobs.domain.events import ATTEMPT_BITS, STEP_BITS, EventType, JobEvent
from seojobs.domain.jobs import TERMINAL_STATUSES, JobStatus

#: Which statuses each event may move a job out of, and to which status.
_MOVES: dict[EventType, tuple[frozenset[JobStatus], JobStatus]] = {
    EventType.STARTED: (frozenset({JobStatus.PENDING, JobStatus.PROCESSING}), JobStatus.PROCESSING),
    EventType.PROGRESS: (frozenset({JobStatus.PENDING, JobStatus.PROCESSING}), JobStatus.PROCESSING),
    EventType.COMPLETED: (frozenset({JobStatus.PENDING, JobStatus.PROCESSING}), JobStatus.COMPLETED),
    EventType.FAILED: (frozenset({JobStatus.PENDING, JobStatus.PROCESSING}), JobStatus.FAILED),
    EventType.CANCELLED: (frozenset({JobStatus.PENDING, JobStatus.PROCESSING}), JobStatus.CANCELLED),
    EventType.RETRY_SCHEDULED: (
        frozenset({JobStatus.PENDING, JobStatus.PROCESSING}),
        JobStatus.PENDING,
    ),
}


@dataclass(frozen=True)
class RowState:
    """What the projector needs to know of a job's current row."""

    status: JobStatus
    last_seq: int


@dataclass(frozen=True)
class RowChange:
    """The columns an event sets on a job's row (status None: leave it)."""

    status: JobStatus | None
    fields: dict[str, Any]
    seq: int


def _fields(event: JobEvent) -> dict[str, Any]:
    p = event.payload
    at = event.occurred_at
    if event.event_type is EventType.STARTED:
        return {"attempts": event.attempt, "started_at": at, "error": None}
    if event.event_type is EventType.PROGRESS:
        return {"attempts": event.attempt, "progress": int(p.get("progress", 0))}
    if event.event_type is EventType.COMPLETED:
        return {"result": p.get("result"), "progress": 100, "completed_at": at, "error": None}
    if event.event_type in (EventType.FAILED, EventType.CANCELLED):
        return {"error": p.get("error") or p.get("reason"), "completed_at": at}
    if event.event_type is EventType.RETRY_SCHEDULED:
        return {"attempts": event.attempt, "error": p.get("error"), "scheduled_for": p.get("due_at")}
    return {}


def series_of(seq: int) -> int:
    """The attempt series (0, then one more per redrive) a sequence number belongs to."""
    return seq >> (STEP_BITS + ATTEMPT_BITS)


def apply_event(row: RowState, event: JobEvent) -> RowChange | None:
    """The change an event makes to a row, or None when it is stale, a duplicate or backwards."""
    if event.seq <= row.last_seq:
        return None
    if event.event_type is EventType.DEAD_LETTERED:
        return RowChange(None, {"dead_lettered": True}, event.seq)
    if event.event_type is EventType.REQUESTED:
        # Only a new series (a redrive) reopens a finished job; a first request is an insert.
        if row.status in TERMINAL_STATUSES and series_of(event.seq) > series_of(row.last_seq):
            reset = {
                "attempts": 0,
                "progress": 0,
                "result": None,
                "completed_at": None,
                "started_at": None,
                "dead_lettered": False,
                "series": series_of(event.seq),
            }
            return RowChange(JobStatus.PENDING, reset, event.seq)
        return None
    move = _MOVES.get(event.event_type)
    if move is None or row.status not in move[0]:
        return None
    return RowChange(move[1], _fields(event), event.seq)
