"""A new job as a value, and the messages its enqueue writes to the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from seojobs.domain.contracts.event_payloads import RequestedPayload
from seojobs.domain.events import EventType, JobEvent, event_seq
from seojobs.domain.jobs import JobType
from seojobs.domain.lanes import lane_of
from seojobs.domain.registry import spec_of
from seojobs.domain.topics import Topics


@dataclass(frozen=True)
class NewJob:
    """Everything needed to create one job."""

    job_type: JobType
    payload: dict[str, Any]
    priority: int
    max_attempts: int
    user_id: uuid.UUID | None = None
    site_id: uuid.UUID | None = None
    scheduled_for: datetime | None = None
    idempotency_key: str | None = None
    depends_on: tuple[uuid.UUID, ...] = ()
    parent_id: uuid.UUID | None = None
    job_id: uuid.UUID = field(default_factory=uuid.uuid4)


def requested_event(job: NewJob, created_at: datetime, series: int = 0) -> JobEvent:
    """The job.requested event: it carries the whole job, so the jobs table can be rebuilt."""
    return JobEvent(
        event_type=EventType.REQUESTED,
        job_id=str(job.job_id),
        job_type=job.job_type.value,
        attempt=0,
        seq=event_seq(series, 0, 0),
        payload=RequestedPayload(
            type=job.job_type,
            priority=job.priority,
            payload=job.payload,
            max_attempts=job.max_attempts,
            user_id=str(job.user_id) if job.user_id else None,
            site_id=str(job.site_id) if job.site_id else None,
            scheduled_for=(job.scheduled_for or created_at).isoformat(),
            created_at=created_at.isoformat(),
            idempotency_key=job.idempotency_key,
            parent_id=str(job.parent_id) if job.parent_id else None,
            depends_on=[str(d) for d in job.depends_on],
            series=series,
        ).model_dump(mode="json", exclude_unset=True),
    )


def dispatched_request(row: Mapping[Any, Any]) -> JobEvent:
    """The work message the dispatcher sends for a job's first attempt, built from its row (id,
    type, payload, priority, max_attempts, user_id, site_id, scheduled_for, created_at, series)."""
    job = NewJob(
        job_type=JobType(row["type"]),
        payload=row["payload"],
        priority=row["priority"],
        max_attempts=row["max_attempts"],
        user_id=row["user_id"],
        site_id=row["site_id"],
        scheduled_for=row["scheduled_for"],
        job_id=row["id"],
    )
    return requested_event(job, row["created_at"], row["series"])


def rebuildable(request: JobEvent) -> bool:
    """Whether a work message is what dispatched_request() builds from its job's row: a first
    attempt, not a retry (which carries the errors before it) nor a restart (which counts them)."""
    return request.attempt == 0 and not ({"history", "restarts"} & request.payload.keys())


def work_topic(topics: Topics, job_type: JobType, priority: int) -> str:
    """The work topic of a job: its service's lane for its priority."""
    return topics.requested(spec_of(job_type).service, lane_of(priority))


def outbox_messages(
    job: NewJob, topics: Topics, created_at: datetime, series: int = 0
) -> list[tuple[str, JobEvent]]:
    """What an enqueue writes: job.requested on the event log. The dispatcher sends the job to
    its work topic when it is due, its dependencies completed and its lane has room."""
    return [(topics.job_events, requested_event(job, created_at, series))]
