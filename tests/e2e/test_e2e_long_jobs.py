"""Long jobs on the real services: crawls of polite local sites (robots.txt Crawl-delay: 1) while
crawler processes start, stop, die and stall.

Every work topic has ONE partition here, the worst case for a partition-bound runtime: every job
lands on the same partition, so any job waiting behind another shows at once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.crawl.engine import Crawler, CrawlOptions, CrawlProgress
from seojobs.settings import Settings
from tests.e2e.conftest import Account, make_account
from tests.e2e.jobs_http import job_status, post_job, wait_terminal
from tests.support.services import ServiceSet, wait_for
from tests.support.slowsite import SlowSite, slow_sites
from tests.support.topics_io import read_json

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

#: A crawl saves its state at least every this many pages (so a restart repeats no more).
CHECKPOINT_PAGES = 10
#: The settings every service of these tests runs with.
ENV: dict[str, object] = {
    "SEOJOBS_WORK_PARTITIONS": 1,
    "SEOJOBS_LEASE_STALE_AFTER_S": 5,
    "SEOJOBS_WORKER_CONCURRENCY": 4,
    "SEOJOBS_CRAWL_CHECKPOINT_PAGES": CHECKPOINT_PAGES,
    "SEOJOBS_CRAWL_CHECKPOINT_EVERY_S": 5,
    # A crawl of an unreachable site waits 60 s in a delay topic before its retry.
    "SEOJOBS_RETRY_DELAYS_BY_TYPE_S": '{"CRAWL_SITE": [60, 60]}',
}
PAGES_OF = text("SELECT url FROM pages WHERE crawl_job_id = CAST(:j AS uuid)")
ISSUES_OF = text("SELECT url, rule FROM seo_issues WHERE crawl_job_id = CAST(:j AS uuid)")
#: Rules that judge a measured time: two crawls of one site need not agree on them.
TIMED_RULES = frozenset({"slow_response"})
RESULTS_OF = text("SELECT count(*) FROM job_results WHERE job_id = CAST(:j AS uuid)")


@pytest.fixture
async def user(engine: AsyncEngine) -> Account:
    """The crawls' owner."""
    return await make_account(engine)


@pytest.fixture
async def pipeline(settings: Settings, tmp_path: Any) -> AsyncIterator[ServiceSet]:
    """API, relay and projector running with one partition per work topic (no crawler yet)."""
    svc = ServiceSet(settings, tmp_path, **ENV)
    try:
        for name in ("api", "relay", "projector"):
            svc.start(name)
        await svc.wait_api()
        yield svc
    finally:
        svc.stop_all()


async def crawl(http: httpx.AsyncClient, svc: ServiceSet, user: Account, site: SlowSite) -> str:
    """Add the site and ask for a crawl of all its pages over plain HTTP; the job id."""
    resp = await http.post(
        f"{svc.api_url}/api/sites", json={"url": site.origin + "/", "name": "slow"}, headers=user.headers
    )
    assert resp.status_code == 201, resp.text
    return await post_job(
        http,
        svc,
        "/api/jobs/crawl",
        {"siteId": resp.json()["site"]["id"], "maxPages": site.pages, "render": "http"},
        user.headers,
    )


async def running_on(
    http: httpx.AsyncClient, svc: ServiceSet, user: Account, job_id: str, site: SlowSite, pages: int = 1
) -> dict[str, Any]:
    """Wait until the crawl runs and has fetched ``pages`` pages; its status (with its worker)."""
    seen: dict[str, Any] = {}

    async def there() -> bool:
        seen.update(await job_status(http, svc, job_id, user.headers))
        return (
            seen["status"] == "PROCESSING"
            and seen["worker"] is not None
            and sum(site.page_fetches().values()) >= pages
        )

    await wait_for(
        there, 60, lambda: f"crawl {job_id} to run ({seen.get('status')})", svc.log_tail, every_s=0.2
    )
    return seen


async def events_of(settings: Settings, job_id: str) -> list[dict[str, Any]]:
    """The job's events on the job-event topic, in sequence order."""
    events = await read_json(settings.kafka_bootstrap_servers, settings.topics.job_events)
    return sorted((e for e in events if e.get("job_id") == job_id), key=lambda e: int(e["seq"]))


def wait_s(job: dict[str, Any]) -> float:
    """Seconds from enqueue to start."""
    return (
        datetime.fromisoformat(job["startedAt"]) - datetime.fromisoformat(job["createdAt"])
    ).total_seconds()


def instance_running(svc: ServiceSet, worker: str) -> int:
    """Which crawler instance's process tree runs the worker ``host:pid``."""
    pid = int(worker.rsplit(":", 1)[1])
    with open(f"/proc/{pid}/stat") as stat:
        parent = int(stat.read().rsplit(")", 1)[1].split()[1])
    for key, proc in svc.procs.items():
        if proc.pid in (pid, parent) and key.startswith("crawler-"):
            return int(key.split("-")[1])
    raise AssertionError(f"no crawler process runs {worker}")


async def pages_and_issues(
    engine: AsyncEngine, job_id: str, origin: str
) -> tuple[set[str], set[tuple[str, str]]]:
    """The crawl's stored pages and issues, as paths."""
    async with engine.connect() as conn:
        pages = [r.url for r in await conn.execute(PAGES_OF, {"j": job_id})]
        issues = {
            (r.url.removeprefix(origin), r.rule)
            for r in await conn.execute(ISSUES_OF, {"j": job_id})
            if r.rule not in TIMED_RULES
        }
    assert len(pages) == len(set(pages)), "no page stored twice"
    return {p.removeprefix(origin) for p in pages}, issues


async def reference(site: SlowSite) -> tuple[set[str], set[tuple[str, str]]]:
    """What an uninterrupted crawl of the site finds (the engine alone, in this process)."""

    async def ignore(_: CrawlProgress) -> None:
        return None

    crawler = Crawler()
    try:
        report = await crawler.crawl(
            site.origin + "/",
            CrawlOptions(max_pages=site.pages, render="http", allowed_private=("127.0.0.0/8",)),
            ignore,
        )
    finally:
        await crawler.close()
    return (
        {p.url.removeprefix(site.origin) for p in report.pages},
        {(i.url.removeprefix(site.origin), i.rule) for i in report.issues if i.rule not in TIMED_RULES},
    )


async def test_short_crawls_never_wait_behind_a_long_one_on_the_same_partition(
    pipeline: ServiceSet, http: httpx.AsyncClient, user: Account, engine: AsyncEngine
) -> None:
    pipeline.start("crawler")
    with slow_sites((12, 1), *[(1, 1)] * 6) as (long_site, *short_sites):
        long_id = await crawl(http, pipeline, user, long_site)
        await running_on(http, pipeline, user, long_id, long_site)
        short_ids = [await crawl(http, pipeline, user, site) for site in short_sites]
        shorts = [await wait_terminal(http, pipeline, j, user.headers, 60) for j in short_ids]
        long_job = await job_status(http, pipeline, long_id, user.headers)
        assert long_job["status"] == "PROCESSING", "every short crawl ended while the long one ran"
        assert all(s["status"] == "COMPLETED" for s in shorts)
        waits = sorted(wait_s(s) for s in shorts)
        # Three slots stay free beside the long crawl: the six short ones run three at a time.
        assert waits[-1] < 8.0, waits
        done = await wait_terminal(http, pipeline, long_id, user.headers, 60)
        assert done["status"] == "COMPLETED" and done["attempts"] == 1
        assert long_site.repeated() == 0


async def test_a_crawler_joining_stalls_nobody_and_the_running_crawl_goes_on_untouched(
    pipeline: ServiceSet, http: httpx.AsyncClient, user: Account, engine: AsyncEngine, settings: Settings
) -> None:
    pipeline.start("crawler", 0)
    with slow_sites((20, 1), *[(1, 1)] * 6) as (long_site, *short_sites):
        # A retry waiting in a delay topic: the agent holding it must not hold up the rebalance.
        unreachable = SlowSite(1, 1)
        unreachable.stop()
        failing_id = await crawl(http, pipeline, user, unreachable)

        async def waiting_retry() -> bool:
            job = await job_status(http, pipeline, failing_id, user.headers)
            return bool(job["status"] == "PENDING" and job["attempts"] == 1)

        await wait_for(
            waiting_retry, 60, "the unreachable site's crawl to wait for its retry", pipeline.log_tail
        )
        long_id = await crawl(http, pipeline, user, long_site)
        first = await running_on(http, pipeline, user, long_id, long_site)
        beat = first["heartbeatAt"]
        assert beat is not None, "the status shows the worker's last heartbeat"
        pipeline.start("crawler", 1)  # scale out while the crawl runs
        short_ids = []
        for site in short_sites:  # one new job a second while the group rebalances
            short_ids.append(await crawl(http, pipeline, user, site))
            await asyncio.sleep(1.0)
        shorts = [await wait_terminal(http, pipeline, j, user.headers, 60) for j in short_ids]
        waits = [wait_s(s) for s in shorts]
        assert max(waits) < 5.0, waits
        done = await wait_terminal(http, pipeline, long_id, user.headers, 90)
        assert done["status"] == "COMPLETED" and done["attempts"] == 1
        assert long_site.repeated() == 0, long_site.page_fetches()
        events = await events_of(settings, long_id)
        assert [e["event_type"] for e in events].count("job.started") == 1, "started once, anywhere"
        later = await job_status(http, pipeline, long_id, user.headers)
        assert later["worker"] is None, "a finished job has no worker"


async def test_a_killed_crawler_s_crawl_restarts_elsewhere_fast_and_resumes_from_its_checkpoint(
    pipeline: ServiceSet, http: httpx.AsyncClient, user: Account, engine: AsyncEngine, settings: Settings
) -> None:
    pipeline.start("crawler", 0)
    pipeline.start("crawler", 1)
    with slow_sites((30, 1), (30, 1)) as (site, twin):
        expected = asyncio.ensure_future(reference(twin))
        job_id = await crawl(http, pipeline, user, site)
        running = await running_on(http, pipeline, user, job_id, site, pages=13)
        victim = instance_running(pipeline, running["worker"])
        pipeline.kill("crawler", victim)  # SIGKILL: the keeper and its worker
        killed_at = time.monotonic()
        fetched_before = sum(site.page_fetches().values())

        async def restarted() -> bool:
            job = await job_status(http, pipeline, job_id, user.headers)
            return (
                job["attempts"] == 2
                and job["status"] == "PROCESSING"
                and job["worker"] not in (None, running["worker"])
            )

        await wait_for(
            restarted, 30, "the crawl to start again on the other crawler", pipeline.log_tail, every_s=0.2
        )
        restart_s = time.monotonic() - killed_at
        done = await wait_terminal(http, pipeline, job_id, user.headers, 90)
        assert done["status"] == "COMPLETED"
        assert restart_s < 30, restart_s
        assert site.repeated() <= CHECKPOINT_PAGES, (fetched_before, site.page_fetches())
        pages, issues = await pages_and_issues(engine, job_id, site.origin)
        whole_pages, whole_issues = await expected
        assert pages == whole_pages, "the resumed crawl stored every page once"
        assert issues == whole_issues, (sorted(issues - whole_issues)[:5], sorted(whole_issues - issues)[:5])
        events = await events_of(settings, job_id)
        resumed = [
            e["payload"]["progress"]
            for e in events
            if e["event_type"] == "job.progress" and e["attempt"] == 2
        ]
        assert resumed and resumed[0] >= 20, f"progress goes on from the checkpoint: {resumed[:3]}"
        async with engine.connect() as conn:
            assert (await conn.execute(RESULTS_OF, {"j": job_id})).scalar_one() == 1


async def test_a_stalled_worker_is_fenced_when_it_comes_back(
    pipeline: ServiceSet, http: httpx.AsyncClient, user: Account, engine: AsyncEngine, settings: Settings
) -> None:
    pipeline.start("crawler", 0)
    pipeline.start("crawler", 1)
    with slow_sites((15, 1)) as (site,):
        job_id = await crawl(http, pipeline, user, site)
        running = await running_on(http, pipeline, user, job_id, site, pages=3)
        stalled = int(running["worker"].rsplit(":", 1)[1])
        os.kill(stalled, signal.SIGSTOP)
        try:

            async def moved() -> bool:
                job = await job_status(http, pipeline, job_id, user.headers)
                return job["attempts"] == 2 and job["worker"] not in (None, running["worker"])

            await wait_for(moved, 30, "the crawl to restart on the other crawler", pipeline.log_tail)
        finally:
            os.kill(stalled, signal.SIGCONT)  # back, with its old attempt still "running"
        done = await wait_terminal(http, pipeline, job_id, user.headers, 90)
        assert done["status"] == "COMPLETED" and done["attempts"] == 2
        await asyncio.sleep(3)  # the stalled worker's late heartbeat finds its lease gone
        pages, _ = await pages_and_issues(engine, job_id, site.origin)
        assert len(pages) == site.pages
        async with engine.connect() as conn:
            assert (await conn.execute(RESULTS_OF, {"j": job_id})).scalar_one() == 1
        after = await job_status(http, pipeline, job_id, user.headers)
        assert after["status"] == "COMPLETED" and after["attempts"] == 2, "late events were no-ops"
        completed = [e for e in await events_of(settings, job_id) if e["event_type"] == "job.completed"]
        assert {e["attempt"] for e in completed} == {2}, "the fenced attempt reported nothing"


async def test_a_stopped_crawler_hands_its_crawl_to_another_at_once(
    pipeline: ServiceSet, http: httpx.AsyncClient, user: Account, engine: AsyncEngine
) -> None:
    pipeline.start("crawler", 0)
    pipeline.start("crawler", 1)
    with slow_sites((20, 1)) as (site,):
        job_id = await crawl(http, pipeline, user, site)
        running = await running_on(http, pipeline, user, job_id, site, pages=8)
        leaving = instance_running(pipeline, running["worker"])
        pipeline.kill("crawler", leaving, signal.SIGTERM)  # scale in (or a deploy)
        stopped_at = time.monotonic()

        async def moved() -> bool:
            job = await job_status(http, pipeline, job_id, user.headers)
            return bool(job["attempts"] == 2 and job["status"] == "PROCESSING")

        await wait_for(moved, 20, "the crawl to go on on the other crawler", pipeline.log_tail, every_s=0.2)
        assert time.monotonic() - stopped_at < 5, "handed back, not left to go stale"
        done = await wait_terminal(http, pipeline, job_id, user.headers, 90)
        assert done["status"] == "COMPLETED"
        assert site.repeated() <= CHECKPOINT_PAGES


async def test_cancelling_a_running_crawl_stops_it_within_two_seconds(
    pipeline: ServiceSet, http: httpx.AsyncClient, user: Account
) -> None:
    pipeline.start("crawler")
    with slow_sites((30, 1)) as (site,):
        job_id = await crawl(http, pipeline, user, site)
        await running_on(http, pipeline, user, job_id, site, pages=2)
        asked = time.monotonic()
        resp = await http.post(f"{pipeline.api_url}/api/jobs/{job_id}/cancel", headers=user.headers)
        assert resp.status_code == 200, resp.text
        done = await wait_terminal(http, pipeline, job_id, user.headers, 10)
        stopped_s = time.monotonic() - asked
        assert done["status"] == "CANCELLED"
        assert stopped_s < 2.0, stopped_s
        fetched = sum(site.page_fetches().values())
        await asyncio.sleep(2)
        assert sum(site.page_fetches().values()) == fetched, "no page fetched after the cancellation"
