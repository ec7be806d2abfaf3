"""The dispatcher's decision for a stale lease: drop, restart as a new attempt, or fail."""

from __future__ import annotations

import pytest

from seojobs.domain.events import TERMINAL_STEP, EventType, JobEvent, event_seq
from seojobs.domain.restarts import MAX_RESTARTS, RestartDecision, StaleLease, plan_restart


def _lease(status: str = "PROCESSING", attempt: int = 1, last_step: int = 5, restarts: int = 0,
           max_attempts: int = 3) -> StaleLease:
    request = JobEvent(EventType.REQUESTED, "j1", "CRAWL_SITE", attempt - 1, 0,
                       {"series": 0, "max_attempts": max_attempts, "restarts": restarts, "payload": {}})
    return StaleLease("j1", "CRAWL_SITE", 0, attempt, "host:1", "2026-12-03T10:00:00+00:00", status,
                      event_seq(0, attempt, last_step), request)


@pytest.mark.parametrize(("lease", "decision"), [
    (_lease(), RestartDecision.RESTART),
    (_lease(status="PENDING", last_step=0), RestartDecision.RESTART),
    (_lease(status="COMPLETED"), RestartDecision.DROP),
    (_lease(status="CANCELLED"), RestartDecision.DROP),
    (_lease(last_step=TERMINAL_STEP), RestartDecision.DROP),
    (_lease(restarts=MAX_RESTARTS - 1), RestartDecision.RESTART),
    (_lease(restarts=MAX_RESTARTS), RestartDecision.FAIL),
])
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
