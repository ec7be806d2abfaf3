"""The dispatcher's decision for a stale lease (drop, restart as a new attempt, or fail), and the
work message it restarts from."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from seojobs.domain.events import TERMINAL_STEP, EventType, JobEvent, event_seq
from seojobs.domain.jobs import JobType
from seojobs.domain.requests import dispatched_request, rebuildable
from seojobs.domain.restarts import MAX_RESTARTS, RestartDecision, StaleLease, plan_restart
from seojobs.pipeline.leases import HELD, RUNNING
from seojobs.pipeline.runs import Origin, Run


def _lease(
    status: str = "PROCESSING", attempt: int = 1, last_step: int = 5, restarts: int = 0, max_attempts: int = 3
) -> StaleLease:
    request = JobEvent(
        EventType.REQUESTED,
        "j1",
        "CRAWL_SITE",
        attempt - 1,
        0,
        {"series": 0, "max_attempts": max_attempts, "restarts": restarts, "payload": {}},
    )
    return StaleLease(
        "j1",
        "CRAWL_SITE",
        0,
        attempt,
        "host:1",
        "2026-12-03T10:00:00+00:00",
        status,
        event_seq(0, attempt, last_step),
        request,
    )


@pytest.mark.parametrize(
    ("lease", "decision"),
    [
        (_lease(), RestartDecision.RESTART),
        (_lease(status="PENDING", last_step=0), RestartDecision.RESTART),
        (_lease(status="COMPLETED"), RestartDecision.DROP),
        (_lease(status="CANCELLED"), RestartDecision.DROP),
        (_lease(last_step=TERMINAL_STEP), RestartDecision.DROP),
        (_lease(restarts=MAX_RESTARTS - 1), RestartDecision.RESTART),
        (_lease(restarts=MAX_RESTARTS), RestartDecision.FAIL),
    ],
)
def test_decisions(lease: StaleLease, decision: RestartDecision) -> None:
    assert plan_restart(lease).decision is decision


def test_a_restart_is_the_next_attempt_and_does_not_use_up_a_try() -> None:
    plan = plan_restart(_lease(attempt=3, max_attempts=3))
    assert plan.event is not None and plan.work is not None
    assert plan.event.event_type is EventType.RETRY_SCHEDULED
    assert plan.event.seq == event_seq(0, 3, TERMINAL_STEP), "ends the dead worker's attempt"
    assert plan.work.attempt == 3, "the work message's run is attempt 4"
    assert plan.work.payload["max_attempts"] == 4
    assert plan.work.payload["restarts"] == 1
    assert plan.work.payload["history"][-1]["type"] == "LeaseExpired"
    assert "host:1" in plan.reason


def test_too_many_restarts_fail_the_job_with_the_reason() -> None:
    plan = plan_restart(_lease(restarts=MAX_RESTARTS))
    assert plan.event is not None and plan.event.event_type is EventType.FAILED
    assert "died" in plan.event.payload["error"]
    assert plan.work is None


def _row(**over: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": uuid.UUID(int=7),
        "type": "CRAWL_SITE",
        "payload": {"url": "https://example.test"},
        "priority": 5,
        "max_attempts": 3,
        "user_id": None,
        "site_id": None,
        "scheduled_for": None,
        "created_at": datetime(2026, 12, 3, 10, 0, tzinfo=UTC),
        "series": 2,
    }
    return {**row, **over}


def test_a_first_attempts_message_is_rebuilt_from_its_jobs_row() -> None:
    request = dispatched_request(_row())
    assert rebuildable(request)
    assert request.attempt == 0 and request.job_id == str(uuid.UUID(int=7))
    assert request.payload["payload"] == {"url": "https://example.test"}
    assert request.payload["series"] == 2
    assert request.payload["scheduled_for"] == "2026-12-03T10:00:00+00:00", "due at creation"


@pytest.mark.parametrize(("attempt", "extra"), [(1, {}), (0, {"restarts": 1}), (0, {"history": []})])
def test_retries_and_restarts_carry_what_the_row_does_not_have(
    attempt: int, extra: dict[str, object]
) -> None:
    base = dispatched_request(_row())
    request = JobEvent(
        base.event_type, base.job_id, base.job_type, attempt, base.seq, {**base.payload, **extra}
    )
    assert not rebuildable(request)


def _run(request: JobEvent) -> Run:
    return Run(request, JobType.CRAWL_SITE, {}, Origin("t", 0, 1), 0, 0, request.encode())


def test_only_a_running_first_attempt_leaves_its_message_out_of_the_lease() -> None:
    first = dispatched_request(_row())
    assert _run(first).claim(RUNNING).request is None
    assert _run(first).claim(HELD).request == first.encode(), "any worker may run a held job"
    retry = JobEvent(
        first.event_type,
        first.job_id,
        first.job_type,
        1,
        first.seq,
        {**first.payload, "history": [{"attempt": 1, "error": "boom"}]},
    )
    assert _run(retry).claim(RUNNING).request == retry.encode()
