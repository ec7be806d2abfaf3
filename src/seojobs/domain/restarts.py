"""What the dispatcher does with a job whose worker stopped renewing its lease (pure).

A stale lease means the worker died or hangs. The job starts again as a new attempt, at once and on
any worker; the stale worker's late events carry the old attempt's sequence numbers, so they are
no-ops. A worker's death is not the job's failure, so a restart does not use up one of the job's
attempts, but a job whose workers died ``MAX_RESTARTS`` times fails: it may be what kills them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from seojobs.domain.events import TERMINAL_STEP, EventType, JobEvent, event_seq, utcnow
from seojobs.domain.jobs import JobStatus, is_terminal

#: Restarts after lost leases before the job fails.
MAX_RESTARTS = 10


class RestartDecision(StrEnum):
    """What to do with a stale lease."""

    DROP = "drop"
    RESTART = "restart"
    FAIL = "fail"


@dataclass(frozen=True)
class StaleLease:
    """A lease whose heartbeat is older than the stale timeout, with its job's state."""

    job_id: str
    job_type: str
    series: int
    attempt: int
    worker: str
    heartbeat_at: str
    status: str
    last_seq: int
    request: JobEvent


@dataclass(frozen=True)
class RestartPlan:
    """The decision, and the events it publishes (job.events first, then the work message)."""

    decision: RestartDecision
    reason: str = ""
    event: JobEvent | None = None
    work: JobEvent | None = None


def plan_restart(lease: StaleLease) -> RestartPlan:
    """Drop the lease of a job that ended; restart or fail one that did not."""
    final = event_seq(lease.series, lease.attempt, TERMINAL_STEP)
    if is_terminal(JobStatus(lease.status)) or lease.last_seq >= final:
        return RestartPlan(RestartDecision.DROP)
    payload = lease.request.payload
    restarts = int(payload.get("restarts") or 0) + 1
    reason = (
        f"worker {lease.worker} stopped renewing the lease of attempt {lease.attempt} "
        f"(last heartbeat {lease.heartbeat_at})"
    )
    if restarts > MAX_RESTARTS:
        message = f"{reason}; the job's workers died {restarts - 1} times, so it is failed"
        event = JobEvent(
            EventType.FAILED, lease.job_id, lease.job_type, lease.attempt, final, {"error": message}
        )
        return RestartPlan(RestartDecision.FAIL, message, event)
    history = [
        *payload.get("history", []),
        {"attempt": lease.attempt, "error": reason, "type": "LeaseExpired", "at": utcnow().isoformat()},
    ]
    max_attempts = int(payload.get("max_attempts") or lease.attempt) + 1
    event = JobEvent(
        EventType.RETRY_SCHEDULED,
        lease.job_id,
        lease.job_type,
        lease.attempt,
        final,
        {"error": reason, "due_at": utcnow().isoformat(), "restart": True},
    )
    work_payload: dict[str, Any] = {
        **payload,
        "history": history,
        "restarts": restarts,
        "max_attempts": max_attempts,
    }
    work = JobEvent(EventType.REQUESTED, lease.job_id, lease.job_type, lease.attempt, final, work_payload)
    return RestartPlan(RestartDecision.RESTART, reason, event, work)
