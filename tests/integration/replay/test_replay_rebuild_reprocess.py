"""Replays against the real pipeline: a rebuild equals the live jobs table; reprocess runs jobs again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs import replay
from seojobs.adapters.db.accounts import create_site, create_user
from seojobs.adapters.db.engine import make_engine
from seojobs.adapters.db.job_store import JobStore
from seojobs.domain.errors import Conflict
from seojobs.domain.events import utcnow
from seojobs.domain.jobs import JobStatus, JobType, Service
from seojobs.domain.lanes import Lane
from seojobs.domain.requests import NewJob
from seojobs.domain.topics import Topics
from seojobs.settings import Settings
from tests.support.services import ServiceSet, wait_for
from tests.support.stack import StackAddress

pytestmark = pytest.mark.integration

#: The columns a rebuild must reproduce for every job.
COMPARED = "id, type, status, attempts, result, progress, error, series, dead_lettered"


@pytest.fixture
def second_database_url(stack: StackAddress, template_db: str) -> Iterator[str]:
    """Another fresh migrated database (the rebuild's target)."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = stack.libpq_url("postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template_db}")
    yield stack.sqlalchemy_url(name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pipeline(settings: Settings, tmp_path: Path) -> Iterator[ServiceSet]:
    """The relay, projector and maintenance worker of this test, as processes."""
    svc = ServiceSet(settings, tmp_path)
    for name in ("relay", "projector", "maintenance"):
        svc.start(name)
    try:
        yield svc
    finally:
        svc.stop_all()


async def table(engine: AsyncEngine) -> dict[str, dict[str, Any]]:
    """The compared columns of every job, by id."""
    async with engine.connect() as conn:
        rows = (await conn.execute(text(f"SELECT {COMPARED} FROM jobs"))).mappings().all()
    return {str(r["id"]): dict(r) for r in rows}


async def run_jobs(engine: AsyncEngine, settings: Settings, svc: ServiceSet) -> list[NewJob]:
    """A handful of jobs through the real pipeline: completed, failed, cancelled ones."""
    store = JobStore(engine, Topics(settings.topic_prefix))
    jobs = [NewJob(JobType.SYNC_METRICS, {}, priority=4, max_attempts=3) for _ in range(3)]
    jobs.append(NewJob(JobType.SYNC_METRICS, {"siteId": str(uuid.uuid4())}, priority=4, max_attempts=3))
    jobs.append(NewJob(JobType.CLEANUP_ROLLBACKS, {"daysOld": 90}, priority=2, max_attempts=3))
    # Jobs with an owner and a site: the rebuild's empty database has neither user nor site.
    owner = await create_user(engine, f"replay-{uuid.uuid4().hex[:8]}@example.test")
    site = await create_site(engine, owner, "https://example.test/", "replayed")
    site_id = uuid.UUID(str(site["id"]))
    jobs.append(
        NewJob(
            JobType.SYNC_METRICS,
            {"siteId": str(site_id)},
            priority=4,
            max_attempts=3,
            user_id=owner,
            site_id=site_id,
        )
    )
    later = NewJob(
        JobType.RESET_USAGE,
        {"month": "2026-01"},
        priority=2,
        max_attempts=3,
        scheduled_for=utcnow() + timedelta(hours=1),
    )
    for job in [*jobs, later]:
        await store.enqueue(job)
    await store.cancel(later.job_id)

    async def finished() -> bool:
        rows = await table(engine)
        return all(
            r["status"] in ("COMPLETED", "FAILED", "CANCELLED")
            and (r["status"] != "FAILED" or r["dead_lettered"])
            for r in rows.values()
        )

    await wait_for(finished, 60, "the jobs to finish", svc.log_tail)
    return [*jobs, later]


async def test_rebuild_into_an_empty_database_equals_the_live_table(
    pipeline: ServiceSet, engine: AsyncEngine, settings: Settings, second_database_url: str
) -> None:
    await run_jobs(engine, settings, pipeline)
    live = await table(engine)
    assert {r["status"] for r in live.values()} == {"COMPLETED", "FAILED", "CANCELLED"}
    topics = Topics(settings.topic_prefix)

    with pytest.raises(Conflict, match="not empty"):
        await replay.rebuild(engine, settings.kafka_bootstrap_servers, topics)
    target = make_engine(second_database_url)
    try:
        stats = await replay.rebuild(target, settings.kafka_bootstrap_servers, topics)
        rebuilt = await table(target)
    finally:
        await target.dispose()
    assert stats.events >= 4 * len(live) - 2 and stats.rejected == 0
    assert rebuilt == live
    async with engine.connect() as conn:
        owned = (await conn.execute(text("SELECT count(*) FROM jobs WHERE site_id IS NOT NULL"))).scalar_one()
    assert owned == 1, "the live row keeps its owner and site"


async def test_reprocess_dry_run_changes_nothing_then_the_jobs_run_again(
    pipeline: ServiceSet, engine: AsyncEngine, settings: Settings
) -> None:
    jobs = await run_jobs(engine, settings, pipeline)
    topics = Topics(settings.topic_prefix)
    before = await table(engine)
    window = (utcnow() - timedelta(hours=1), utcnow() + timedelta(minutes=1))
    sync_ids = {str(j.job_id) for j in jobs if j.job_type is JobType.SYNC_METRICS}

    dry = await replay.reprocess(engine, topics, JobType.SYNC_METRICS, *window, dry_run=True)
    assert {str(s.job_id) for s in dry.selected} == sync_ids and dry.reopened == []
    only_failed = await replay.reprocess(
        engine, topics, JobType.SYNC_METRICS, *window, (JobStatus.FAILED,), dry_run=True
    )
    assert [s.status for s in only_failed.selected] == ["FAILED"]
    lane = topics.requested(Service.MAINTENANCE, Lane.MEDIUM)
    topic_dry = await replay.replay_topic(
        engine, settings.kafka_bootstrap_servers, topics, lane, window[0], dry_run=True
    )
    assert {str(j) for j in topic_dry.would_reopen} == sync_ids and topic_dry.reopened == []
    assert await table(engine) == before
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar() == 0

    done = await replay.reprocess(engine, topics, JobType.SYNC_METRICS, *window, (JobStatus.COMPLETED,))
    completed_ids = {i for i in sync_ids if before[i]["status"] == "COMPLETED"}
    assert {str(j) for j in done.reopened} == completed_ids

    async def ran_again() -> bool:
        rows = await table(engine)
        return all(rows[i]["status"] == "COMPLETED" and rows[i]["series"] == 1 for i in completed_ids)

    await wait_for(ran_again, 60, "the reprocessed jobs to complete again", pipeline.log_tail)
    async with engine.connect() as conn:
        results = (await conn.execute(text("SELECT count(*) FROM job_results WHERE series = 1"))).scalar()
    assert results == len(completed_ids), "each ran once more, in its new series"
    after = await table(engine)
    assert {i: after[i] for i in after if i not in completed_ids} == {
        i: before[i] for i in before if i not in completed_ids
    }, "the other jobs were left alone"

    by_topic = await replay.replay_topic(engine, settings.kafka_bootstrap_servers, topics, lane, window[0])
    assert {str(j) for j in by_topic.reopened} == sync_ids and by_topic.still_running == []
