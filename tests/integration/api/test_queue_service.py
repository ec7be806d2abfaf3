"""QueueService: the seed's methods for code that embeds the queue."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db import accounts
from seojobs.domain.errors import Conflict, NotFound, ValidationFailed
from seojobs.domain.jobs import JobStatus, JobType
from seojobs.domain.topics import Topics
from seojobs.queue_service import QueueService
from seojobs.settings import Settings
from tests.integration.api.api_helpers import dispatched_topics, row_counts, set_job_status

pytestmark = pytest.mark.integration


@pytest.fixture
def queue(engine: AsyncEngine, settings: Settings) -> QueueService:
    """A QueueService on the test's database."""
    return QueueService(
        engine,
        Topics(settings.topic_prefix),
        max_attempts=settings.job_max_attempts,
        one_crawl_per_site=False,
    )


async def _owner_and_site(engine: AsyncEngine) -> tuple[uuid.UUID, uuid.UUID]:
    user = await accounts.create_user(engine, "owner@example.com", plan="pro")  # priority cap 8
    site = await accounts.create_site(engine, user, "https://owner.example", "Owner")
    return user, uuid.UUID(site["id"])


async def test_enqueue_methods_and_reads(
    queue: QueueService, engine: AsyncEngine, settings: Settings
) -> None:
    user, site = await _owner_and_site(engine)
    crawl = await queue.enqueue_crawl(site, user, max_pages=3, priority=8)
    analysis = await queue.enqueue_analysis(site, user)
    cleanup = await queue.enqueue_rollback_cleanup()
    reset = await queue.enqueue_usage_reset("2024-01")
    status = await queue.get_job_status(crawl)
    assert status is not None
    assert (status["type"], status["priority"], status["payload"]["maxPages"]) == ("CRAWL_SITE", 8, 3)
    assert await queue.get_job_status(uuid.uuid4()) is None
    assert await queue.get_job_status(crawl, user_id=uuid.uuid4()) is None
    jobs = await queue.get_jobs()
    assert {j["id"] for j in jobs} == {str(crawl), str(analysis), str(cleanup), str(reset)}
    assert [j["id"] for j in await queue.get_jobs(JobType.RESET_USAGE)] == [str(reset)]
    assert len(await queue.get_jobs(limit=2)) == 2
    assert len(await queue.get_jobs(user_id=user)) == 2
    assert (await queue.get_job_stats())["pending"] == 4
    assert (await queue.get_job_stats(user))["total"] == 2
    prefix = settings.topic_prefix
    topics = await dispatched_topics(engine, prefix)
    assert topics.count(f"{prefix}job.events") == 4
    assert f"{prefix}crawler.requested.high" in topics and f"{prefix}analyzer.requested.medium" in topics
    assert topics.count(f"{prefix}maintenance.requested.low") == 2


async def test_enqueue_rejects_bad_input_and_writes_nothing(queue: QueueService, engine: AsyncEngine) -> None:
    user, site = await _owner_and_site(engine)
    stranger = await accounts.create_user(engine, "stranger@example.com")
    before = await row_counts(engine)
    with pytest.raises(ValidationFailed, match="maxPages"):
        await queue.enqueue_crawl(site, user, max_pages=1001)
    with pytest.raises(ValidationFailed, match="priority"):
        await queue.enqueue_analysis(site, user, priority=11)
    with pytest.raises(ValidationFailed, match="YYYY-MM"):
        await queue.enqueue_usage_reset("2024-1")
    with pytest.raises(NotFound, match="site not found"):
        await queue.enqueue_crawl(site, stranger)
    with pytest.raises(NotFound, match="site not found"):
        await queue.enqueue_crawl(uuid.uuid4(), user)
    with pytest.raises(ValidationFailed, match="days_old"):
        await queue.cleanup_old_jobs(0)
    assert await row_counts(engine) == before


async def test_idempotency_through_the_service(queue: QueueService, engine: AsyncEngine) -> None:
    user, site = await _owner_and_site(engine)
    first = await queue.enqueue_crawl(site, user, idempotency_key="abc")
    again = await queue.enqueue_crawl(site, user, idempotency_key="abc")
    assert first == again and (await row_counts(engine))[0] == 1
    async with engine.begin() as conn:  # the key's job leaves the 24-hour window
        await conn.execute(text("UPDATE jobs SET created_at = now() - interval '2 days'"))
    later = await queue.enqueue_crawl(site, user, idempotency_key="abc")
    assert later != first, "after 24 hours the key is free: a new job is created"
    assert (await row_counts(engine))[0] == 2
    assert await queue.enqueue_crawl(site, user, idempotency_key="abc") == later


async def test_cancel_and_cleanup(queue: QueueService, engine: AsyncEngine) -> None:
    user, site = await _owner_and_site(engine)
    pending = await queue.enqueue_crawl(site, user)
    assert await queue.cancel_job(pending) == JobStatus.CANCELLED
    assert await queue.cancel_job(pending) == JobStatus.CANCELLED
    done = await queue.enqueue_analysis(site, user)
    await set_job_status(engine, str(done), "COMPLETED")
    with pytest.raises(Conflict):
        await queue.cancel_job(done)
    with pytest.raises(NotFound):
        await queue.cancel_job(done, user_id=uuid.uuid4())
    assert await queue.cleanup_old_jobs(30) == 0
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE jobs SET completed_at = now() - interval '40 days'"))
    assert await queue.cleanup_old_jobs() == 2
    assert await queue.get_jobs() == []


async def test_submit_many_writes_plain_jobs_in_one_go_and_checks_the_others(
    queue: QueueService, engine: AsyncEngine
) -> None:
    user, site = await _owner_and_site(engine)
    plain = [queue.build(JobType.NOOP, {"tag": str(i)}, priority=i, user_id=user) for i in range(3)]
    first = queue.build(JobType.NOOP, {"tag": "first"})
    dependent = queue.build(JobType.NOOP, {"tag": "dep"}, depends_on=[first.job_id])
    keyed = queue.build(JobType.NOOP, {"tag": "keyed"}, user_id=user, idempotency_key="k-1")
    analysis = queue.build(
        JobType.ANALYZE_SITE, {"siteId": str(site), "userId": str(user)}, user_id=user, site_id=site
    )
    jobs = [first, *plain, dependent, keyed, analysis]
    async with engine.begin() as conn:
        done = await queue.submit_many_in(conn, jobs)
    assert [(e.job_id, e.created) for e in done] == [(j.job_id, True) for j in jobs]
    assert await row_counts(engine) == (len(jobs), len(jobs))  # one job.requested each
    for job in plain:
        status = await queue.get_job_status(job.job_id)
        assert status is not None
        assert (status["status"], status["priority"], status["payload"]) == (
            "PENDING",
            job.priority,
            job.payload,
        )
    # Again: nothing new, plain or not (the same ids; the keyed job answers with itself).
    async with engine.begin() as conn:
        again = await queue.submit_many_in(conn, [plain[0], keyed])
    assert [(e.job_id, e.created) for e in again] == [(plain[0].job_id, False), (keyed.job_id, False)]
    assert await row_counts(engine) == (len(jobs), len(jobs))


async def test_submit_many_writes_nothing_when_one_job_is_refused(
    queue: QueueService, engine: AsyncEngine
) -> None:
    plain = queue.build(JobType.NOOP, {})
    orphan = queue.build(JobType.NOOP, {}, depends_on=[uuid.uuid4()])
    with pytest.raises(ValidationFailed, match="dependsOn names unknown jobs"):
        async with engine.begin() as conn:
            await queue.submit_many_in(conn, [plain, orphan])
    assert await row_counts(engine) == (0, 0)
