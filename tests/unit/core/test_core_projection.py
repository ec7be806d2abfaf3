"""The projector's decisions: forward only; stale, duplicate and backward events change nothing."""

from __future__ import annotations

import uuid

import pytest

from seojobs.domain.events import STARTED_STEP, TERMINAL_STEP, EventType, JobEvent, event_seq
from seojobs.domain.jobs import JobStatus
from seojobs.domain.projection import RowState, apply_event

P, R, C, F, X = (
    JobStatus.PENDING,
    JobStatus.PROCESSING,
    JobStatus.COMPLETED,
    JobStatus.FAILED,
    JobStatus.CANCELLED,
)


def ev(kind: EventType, seq: int, **payload: object) -> JobEvent:
    return JobEvent(kind, str(uuid.uuid4()), "SYNC_METRICS", 1, seq, payload)


@pytest.mark.parametrize(
    ("status", "kind", "expected"),
    [
        (P, EventType.STARTED, R),
        (P, EventType.PROGRESS, R),
        (R, EventType.PROGRESS, R),
        (R, EventType.COMPLETED, C),
        (R, EventType.FAILED, F),
        (R, EventType.CANCELLED, X),
        (P, EventType.CANCELLED, X),
        (R, EventType.RETRY_SCHEDULED, P),
        (C, EventType.STARTED, None),  # a finished job never moves back
        (C, EventType.FAILED, None),
        (F, EventType.PROGRESS, None),
        (X, EventType.COMPLETED, None),  # cancelled first wins
    ],
)
def test_transitions(status: JobStatus, kind: EventType, expected: JobStatus | None) -> None:
    change = apply_event(RowState(status, 0), ev(kind, event_seq(0, 1, 5)))
    assert (change.status if change else None) == expected


def test_a_stale_or_duplicate_event_is_a_no_op() -> None:
    row = RowState(R, event_seq(0, 1, 10))
    assert apply_event(row, ev(EventType.PROGRESS, event_seq(0, 1, 10), progress=50)) is None
    assert apply_event(row, ev(EventType.PROGRESS, event_seq(0, 1, 3), progress=20)) is None
    newer = apply_event(row, ev(EventType.PROGRESS, event_seq(0, 1, 11), progress=60))
    assert newer is not None and newer.fields["progress"] == 60


def test_completion_sets_result_and_full_progress() -> None:
    change = apply_event(
        RowState(R, event_seq(0, 1, STARTED_STEP)),
        ev(EventType.COMPLETED, event_seq(0, 1, TERMINAL_STEP), result={"success": True}),
    )
    assert change is not None
    assert change.fields["result"] == {"success": True} and change.fields["progress"] == 100


def test_only_a_new_series_reopens_a_finished_job() -> None:
    failed = RowState(F, event_seq(0, 3, TERMINAL_STEP))
    assert apply_event(failed, ev(EventType.REQUESTED, event_seq(0, 3, TERMINAL_STEP) + 1)) is None
    redrive = apply_event(failed, ev(EventType.REQUESTED, event_seq(1, 0, 0)))
    assert redrive is not None and redrive.status is P and redrive.fields["attempts"] == 0


def test_dead_lettering_flags_the_row_without_changing_its_status() -> None:
    change = apply_event(RowState(F, 5), ev(EventType.DEAD_LETTERED, 6, reason="x"))
    assert change is not None and change.status is None and change.fields == {"dead_lettered": True}
