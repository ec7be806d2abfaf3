"""Replays for operators: rebuild the jobs table from the event topic, reprocess finished jobs.

Everything that runs a job again goes through ``reopen_jobs``: a new attempt series that the
dispatcher sends out, the earlier series kept in the event log. Work and event topics keep 30
days (``RETENTION_MS``), so a topic replay or a rebuild reaches back that far at most.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db import operator_queries as oq
from seojobs.adapters.db.job_store import reopen_jobs
from seojobs.adapters.kafka.connect import KafkaTarget
from seojobs.adapters.kafka.topic_scan import jobs_on_topic
from seojobs.domain.errors import Conflict, ValidationFailed
from seojobs.domain.jobs import JobStatus, JobType, Service, is_terminal
from seojobs.domain.topics import RETENTION_MS, Topics
from seojobs.pipeline.projector import Projector, ProjectorStats

#: Days the work and event topics keep their messages (how far back a replay can reach).
RETENTION_DAYS = RETENTION_MS // (24 * 3600 * 1000)
#: The statuses a reprocess takes unless told otherwise: every finished job.
FINISHED = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


def parse_instant(value: str, name: str) -> datetime:
    """An ISO 8601 date or time; without a zone it is UTC."""
    try:
        when = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed(f"{name} is not an ISO 8601 time: {value!r}", field=name) from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def parse_statuses(value: str | None) -> tuple[JobStatus, ...]:
    """A comma-separated list of finished statuses (every finished status when empty)."""
    if not value:
        return FINISHED
    try:
        statuses = tuple(JobStatus(s.strip().upper()) for s in value.split(",") if s.strip())
    except ValueError as exc:
        raise ValidationFailed(f"unknown status in {value!r}", field="status") from exc
    unfinished = [s.value for s in statuses if not is_terminal(s)]
    if unfinished:
        raise ValidationFailed(
            f"only finished jobs can be reprocessed, not {', '.join(unfinished)}", field="status"
        )
    return statuses


def replayable_topics(topics: Topics) -> tuple[str, ...]:
    """The topics a topic replay accepts: every work topic and the job-event topic."""
    return (topics.job_events, *(t for s in Service for t in topics.service_topics(s)))


async def rebuild(
    engine: AsyncEngine, bootstrap: KafkaTarget, topics: Topics, *, group_id: str | None = None
) -> ProjectorStats:
    """Project the event topic from its beginning into this (migrated, empty) database.

    Jobs keep their owner and site only when those rows exist in the target (copy users and sites
    first to keep them); otherwise they read NULL, as jobs of a deleted user or site do.
    """
    async with engine.connect() as conn:
        if not (await conn.execute(oq.JOBS_TABLE_EXISTS)).scalar():
            raise ValidationFailed("the target database has no jobs table: run `seojobs migrate` on it first")
        rows = int((await conn.execute(oq.COUNT_JOBS)).scalar_one())
    if rows:
        raise Conflict(
            f"the target database's jobs table is not empty ({rows} jobs): a rebuild needs "
            "an empty table (a fresh database with the schema)",
            jobs=rows,
        )
    group = group_id or f"{topics.prefix}seojobs-rebuild-{uuid.uuid4().hex[:12]}"
    # No dead-letter topic: events the live projector rejected were dead-lettered then.
    return await Projector(engine, bootstrap, topics.job_events, "", group).run(drain=True)


@dataclass(frozen=True)
class Selected:
    """A job a reprocess picked: id, status before, creation time."""

    job_id: uuid.UUID
    status: str
    created_at: datetime


@dataclass
class Reprocess:
    """What a reprocess picked, and what it reopened (nothing on a dry run)."""

    selected: list[Selected] = field(default_factory=list)
    reopened: list[uuid.UUID] = field(default_factory=list)


async def reprocess(
    engine: AsyncEngine,
    topics: Topics,
    job_type: JobType,
    since: datetime,
    until: datetime,
    statuses: Sequence[JobStatus] = FINISHED,
    *,
    dry_run: bool = False,
) -> Reprocess:
    """Run again the finished jobs of a type created in [since, until), each as a new series."""
    if until <= since:
        raise ValidationFailed("--until must be later than --since", field="until")
    params = {"type": job_type.value, "since": since, "until": until, "statuses": [s.value for s in statuses]}
    async with engine.begin() as conn:
        rows = (await conn.execute(oq.FINISHED_IN_WINDOW, params)).all()
        out = Reprocess([Selected(r.id, r.status, r.created_at) for r in rows])
        if not dry_run and rows:
            out.reopened = await reopen_jobs(conn, topics, [r.id for r in rows])
    return out


@dataclass
class TopicReplay:
    """A topic replay: the jobs reopened, those skipped as unfinished, those no longer stored."""

    messages: int = 0
    unreadable: int = 0
    reopened: list[uuid.UUID] = field(default_factory=list)
    would_reopen: list[uuid.UUID] = field(default_factory=list)
    still_running: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    missing: list[uuid.UUID] = field(default_factory=list)


async def replay_topic(
    engine: AsyncEngine,
    bootstrap: KafkaTarget,
    topics: Topics,
    topic: str,
    since: datetime,
    *,
    dry_run: bool = False,
) -> TopicReplay:
    """Run again the finished jobs that have messages on ``topic`` from ``since`` onward."""
    allowed = replayable_topics(topics)
    if topic not in allowed:
        raise ValidationFailed(
            f"{topic!r} is not a work or event topic of this deployment (e.g. {allowed[0]}, {allowed[1]})",
            field="topic",
        )
    scan = await jobs_on_topic(bootstrap, topic, since)
    out = TopicReplay(messages=scan.messages, unreadable=scan.unreadable)
    async with engine.begin() as conn:
        rows = (await conn.execute(oq.JOB_STATUSES, {"ids": scan.job_ids})).all() if scan.job_ids else []
        status = {r.id: JobStatus(r.status) for r in rows}
        finished = [j for j in scan.job_ids if j in status and is_terminal(status[j])]
        out.still_running = [
            (j, status[j].value) for j in scan.job_ids if j in status and not is_terminal(status[j])
        ]
        out.missing = [j for j in scan.job_ids if j not in status]
        out.would_reopen = finished
        if not dry_run and finished:
            out.reopened = await reopen_jobs(conn, topics, finished)
    return out
