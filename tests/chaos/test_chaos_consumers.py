"""SIGKILL of the crawler mid-crawls, then of the analyzer mid-analyses, beside a stream of no-op jobs.

Each crawl of the demo site has its analysis chained (``analyze: true``). Every crawl and analysis must
end COMPLETED exactly once, and no side effect may be applied twice: the pages, issues and audit
entry of a crawl, the conversation of an analysis, the usage counters, the no-op results.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db.accounts import create_token, create_user
from seojobs.settings import Settings
from tests.chaos.streams import TERMINAL_EVENTS, Stream
from tests.e2e.conftest import Account
from tests.support.demosite import DemoSite
from tests.support.services import ServiceSet, wait_for
from tests.support.stack import StackAddress
from tests.support.topics_io import read_json

#: A scenario streams at least 2,000 jobs through outages: it may take minutes on two cores.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

#: Least no-op jobs of the stream.
STREAM = 2000
#: No-op jobs the trickle enqueues at each step, and the pause between steps (about 50 jobs a second):
#: the stream flows until both kills are done.
TRICKLE_BATCH, TRICKLE_PAUSE_S = 25, 0.5
#: Most no-op jobs the trickle enqueues, however long the kills take to land.
STREAM_MAX = 4 * STREAM
#: Sites (one crawl and its analysis each: one crawl per site at a time).
SITES = 30
#: Pages each crawl visits (plain HTTP: a fraction of a second of fetching per crawl).
MAX_PAGES = 25
#: Seconds a killed process stays down before it is started again (part of the scenario).
DOWN_S = 3.0
#: Crawls that must have completed before the crawler is killed (one must still be running).
CRAWLS_BEFORE_KILL = 3
#: Analyses that must be still open when the analyzer is killed.
ANALYSES_OPEN_AT_KILL = 5
#: Private addresses the crawler may reach, and whose self-signed certificate it accepts: the demo site.
DEMO_HOSTS = "127.0.0.1/32"
#: The crawler's environment (given again at its restart).
CRAWLER_ENV = {"SEOJOBS_CRAWL_ALLOWED_PRIVATE": DEMO_HOSTS, "SEOJOBS_CRAWL_TLS_INSECURE_HOSTS": DEMO_HOSTS}
#: No key under either name: the analyzer uses its offline engine.
ANALYZER_ENV = {"ANTHROPIC_API_KEY": "", "SEOJOBS_ANTHROPIC_API_KEY": ""}
#: Seconds the wait for every crawl and analysis to end may take, after the kills.
FINISH_TIMEOUT_S = 300.0

_ROWS = text("SELECT id, type, status, attempts, result FROM jobs")
_WORK_STATUS = text("""
    SELECT type, status, count(*) AS jobs,
           count(*) FILTER (WHERE dispatched_at IS NOT NULL AND status IN ('PENDING', 'PROCESSING')) AS sent
    FROM jobs WHERE type IN ('CRAWL_SITE', 'ANALYZE_SITE') GROUP BY type, status
""")
#: The pseudo-status counting jobs sent to their work topic and not ended: in their worker's hands.
SENT = "SENT"
_CRAWLS = text("""
    SELECT j.id::text AS id, j.site_id, j.status, j.result,
           (SELECT count(*) FROM pages p WHERE p.crawl_job_id = j.id) AS pages,
           (SELECT count(DISTINCT p.url) FROM pages p WHERE p.crawl_job_id = j.id) AS urls,
           (SELECT count(*) FROM pages p WHERE p.crawl_job_id = j.id AND p.site_id <> j.site_id) AS strays,
           (SELECT count(*) FROM seo_issues i WHERE i.crawl_job_id = j.id) AS issues,
           (SELECT count(*) FROM audit_logs a
             WHERE a.action = 'crawl.completed' AND a.entity_id = j.id::text) AS audits
    FROM jobs j WHERE j.type = 'CRAWL_SITE'
""")
_ISSUES_BY_RULE = text("SELECT crawl_job_id::text, rule, count(*) FROM seo_issues GROUP BY 1, 2")
_PAGE_JOBS = text("SELECT DISTINCT crawl_job_id::text FROM pages")
_ANALYSES = text("""
    SELECT j.id::text AS id, j.site_id, j.status, j.result, j.depends_on,
           (SELECT count(*) FROM ai_conversations c WHERE c.job_id = j.id) AS conversations,
           (SELECT min(c.id::text) FROM ai_conversations c WHERE c.job_id = j.id) AS conversation
    FROM jobs j WHERE j.type = 'ANALYZE_SITE'
""")
_TOTALS = text("""
    SELECT (SELECT count(*) FROM ai_conversations) AS conversations,
           (SELECT count(DISTINCT site_id) FROM ai_conversations) AS analysed_sites,
           (SELECT count(*) FROM (SELECT conversation_id, seq FROM ai_messages
                                  GROUP BY 1, 2 HAVING count(*) > 1) d) AS repeated_messages
""")
_USAGE = text("SELECT sum(crawls), sum(analyses) FROM usage_records WHERE user_id = :user")


class MixedStream(Stream):
    """The no-op stream beside crawls and analyses: the stream's checks scoped to its own jobs, and
    the rebuild from the topics compared for every job (users and sites copied, as jobs refer to both)."""

    async def check(self, engine: AsyncEngine) -> dict[str, int]:
        """The stream's invariants; the jobs table (every type) equals a rebuild from the topics."""
        rows = await self._rows(engine)
        noop = {j for j, r in rows.items() if r["type"] == "NOOP"}
        assert noop == self.ids, "every accepted job has its row, and no other appeared"
        assert {rows[j]["status"] for j in noop} == {"COMPLETED"}, await self.statuses(engine)
        async with engine.connect() as conn:
            results = {
                str(j): int(c)
                for j, c in (
                    await conn.execute(text("SELECT job_id::text, count(*) FROM job_results GROUP BY job_id"))
                ).all()
            }
            outbox = (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
        assert outbox == 0, "the outbox was drained"
        assert all(results.get(j) == 1 for j in noop), "one stored result per job"
        kinds = await self._check_events()
        rebuilt = await self.rebuild(engine)
        diff = [j for j in rows if rows[j] != rebuilt.get(j)]
        assert not diff, f"{len(diff)} differ from the rebuild: {rows[diff[0]]} != {rebuilt.get(diff[0])}"
        return kinds

    async def _rows(self, engine: AsyncEngine) -> dict[str, dict[str, Any]]:
        async with engine.connect() as conn:
            rows = (await conn.execute(_ROWS)).all()
        return {
            str(r.id): {"type": r.type, "status": r.status, "attempts": r.attempts, "result": r.result}
            for r in rows
        }

    @staticmethod
    async def _copy_users(source: AsyncEngine, target: AsyncEngine) -> None:
        async with source.connect() as conn:
            users = [
                dict(r._mapping)
                for r in (await conn.execute(text("SELECT id, email, role, plan FROM users"))).all()
            ]
            sites = [
                dict(r._mapping)
                for r in (await conn.execute(text("SELECT id, user_id, url, name FROM sites"))).all()
            ]
        async with target.begin() as conn:
            if users:
                await conn.execute(
                    text("INSERT INTO users (id, email, role, plan) VALUES (:id, :email, :role, :plan)"),
                    users,
                )
            if sites:
                await conn.execute(
                    text("INSERT INTO sites (id, user_id, url, name) VALUES (:id, :user_id, :url, :name)"),
                    sites,
                )


@pytest.fixture
def stream(settings: Settings, services: ServiceSet, stack: StackAddress, template_db: str) -> MixedStream:
    """The no-op stream, checked beside the crawls and analyses."""
    return MixedStream(settings, services, stack, template_db)


@pytest.fixture
def demo() -> Iterator[DemoSite]:
    """The bundled demo site on free local ports."""
    site = DemoSite()
    yield site
    site.stop()


async def trickle(stream: Stream, engine: AsyncEngine, stop: asyncio.Event) -> None:
    """Enqueue no-op jobs steadily until told to stop, and at least STREAM of them."""
    while (not stop.is_set() or len(stream.ids) < STREAM) and len(stream.ids) < STREAM_MAX:
        await stream.enqueue(engine, TRICKLE_BATCH)
        await asyncio.sleep(TRICKLE_PAUSE_S)


async def work_status(engine: AsyncEngine) -> dict[str, Counter[str]]:
    """How many crawls ("CRAWL_SITE") and analyses ("ANALYZE_SITE") are in each status (and SENT)."""
    out: dict[str, Counter[str]] = {"CRAWL_SITE": Counter(), "ANALYZE_SITE": Counter()}
    async with engine.connect() as conn:
        for job_type, status, jobs, sent in (await conn.execute(_WORK_STATUS)).all():
            out[str(job_type)][str(status)] = int(jobs)
            out[str(job_type)][SENT] += int(sent)
    return out


async def wait_work(
    engine: AsyncEngine,
    services: ServiceSet,
    holds: Callable[[dict[str, Counter[str]]], bool],
    what: str,
    timeout_s: float,
) -> dict[str, Counter[str]]:
    """Poll the crawl and analysis statuses until ``holds`` is true of them; return what was seen."""
    seen: dict[str, Counter[str]] = {}

    async def check() -> bool:
        try:
            now = await work_status(engine)
        except OperationalError:
            return False  # the server restarting (another session's chaos test): ask again
        seen.clear()
        seen.update(now)
        return holds(seen)

    await wait_for(
        check,
        timeout_s,
        lambda: (
            f"{what} (crawls {dict(seen.get('CRAWL_SITE', {}))}, "
            f"analyses {dict(seen.get('ANALYZE_SITE', {}))})"
        ),
        services.log_tail,
        0.1,
    )
    return dict(seen)


async def enterprise_account(engine: AsyncEngine) -> Account:
    """A user whose plan has no monthly quota (the free plan allows 20 analyses)."""
    user_id = await create_user(engine, f"{uuid.uuid4().hex[:8]}@example.test", plan="enterprise")
    return Account(user_id, await create_token(engine, user_id))


async def crawl_with_analysis(
    http: httpx.AsyncClient, services: ServiceSet, owner: Account, url: str
) -> tuple[str, str]:
    """Create a site and queue its crawl with the analysis chained; (crawl id, analysis id)."""
    resp = await http.post(
        f"{services.api_url}/api/sites", json={"url": url, "name": "demo"}, headers=owner.headers
    )
    assert resp.status_code == 201, resp.text
    body = {"siteId": resp.json()["site"]["id"], "maxPages": MAX_PAGES, "render": "http", "analyze": True}
    resp = await http.post(f"{services.api_url}/api/jobs/crawl", json=body, headers=owner.headers)
    assert resp.status_code == 202, resp.text
    return str(resp.json()["jobId"]), str(resp.json()["analysisJobId"])


async def kill_and_restart(services: ServiceSet, name: str, env: dict[str, str]) -> None:
    """SIGKILL instance 0 of a service, and start instance 1 a few seconds later."""
    services.kill(name, 0, sig=signal.SIGKILL)
    await asyncio.sleep(DOWN_S)  # the scenario's downtime, not a wait for a condition
    services.start(name, 1, **env)


def open_count(seen: Counter[str]) -> int:
    """Jobs not ended yet."""
    return seen["PENDING"] + seen["PROCESSING"]


async def test_crawler_and_analyzer_killed_mid_work_lose_nothing_and_repeat_nothing(
    services: ServiceSet,
    stream: MixedStream,
    engine: AsyncEngine,
    http: httpx.AsyncClient,
    demo: DemoSite,
    settings: Settings,
) -> None:
    for name in ("api", "relay", "projector", "maintenance"):
        services.start(name)
    services.start("analyzer", 0, **ANALYZER_ENV)
    services.start("crawler", 0, **CRAWLER_ENV)
    await services.wait_api()
    owner = await enterprise_account(engine)
    stop = asyncio.Event()
    flow = asyncio.create_task(trickle(stream, engine, stop))
    try:
        pairs = [await crawl_with_analysis(http, services, owner, demo.origin + "/") for _ in range(SITES)]

        # The crawler dies with crawls done, one running and more waiting.
        seen = await wait_work(
            engine,
            services,
            lambda s: (
                s["CRAWL_SITE"]["COMPLETED"] >= CRAWLS_BEFORE_KILL and s["CRAWL_SITE"]["PROCESSING"] >= 1
            ),
            "crawls done and one running",
            240,
        )
        crawled_at_kill = seen["CRAWL_SITE"]["COMPLETED"]
        await kill_and_restart(services, "crawler", CRAWLER_ENV)

        # The analyzer dies once the new crawler has finished crawls, with analyses done, some sent to it
        # and not ended, and more to come.
        await wait_work(
            engine,
            services,
            lambda s: (
                s["CRAWL_SITE"]["COMPLETED"] > crawled_at_kill
                and s["ANALYZE_SITE"]["COMPLETED"] >= 1
                and s["ANALYZE_SITE"][SENT] >= 1
                and open_count(s["ANALYZE_SITE"]) >= ANALYSES_OPEN_AT_KILL
            ),
            "the restarted crawler to finish a crawl, with analyses done, sent and open",
            240,
        )
        await kill_and_restart(services, "analyzer", ANALYZER_ENV)
        stop.set()
        await flow
    finally:
        if not flow.done():
            flow.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flow

    await wait_work(
        engine,
        services,
        lambda s: all(open_count(c) == 0 for c in s.values()),
        "every crawl and analysis to end",
        FINISH_TIMEOUT_S,
    )
    await stream.wait_all_done(engine, FINISH_TIMEOUT_S)
    kinds = await stream.check(engine)
    assert kinds["job.completed"] >= len(stream.ids) >= STREAM

    crawls = dict(pairs)
    await check_events(settings, stream.topics.job_events, crawls)
    issues = await check_crawls(engine, set(crawls))
    await check_analyses(engine, crawls, issues)
    async with engine.connect() as conn:
        totals = (await conn.execute(_TOTALS)).mappings().one()
        usage = tuple((await conn.execute(_USAGE, {"user": owner.user_id})).one())
    assert totals["conversations"] == totals["analysed_sites"] == SITES, totals
    assert totals["repeated_messages"] == 0, totals
    assert usage == (SITES, SITES), "each crawl and analysis counted once"


async def check_events(settings: Settings, topic: str, crawls: dict[str, str]) -> None:
    """One terminal state, COMPLETED, per crawl and analysis; a killed crawl was started again."""
    jobs = set(crawls) | set(crawls.values())
    ends: dict[str, set[str]] = defaultdict(set)
    started: Counter[str] = Counter()
    for e in await read_json(settings.kafka_bootstrap_servers, topic):
        job_id = str(e.get("job_id"))
        if job_id not in jobs:
            continue
        if e["event_type"] in TERMINAL_EVENTS:
            ends[job_id].add(str(e["event_type"]))
        elif e["event_type"] == "job.started":
            started[job_id] += 1
    assert set(ends) == jobs, f"{len(jobs - set(ends))} crawls or analyses have no terminal event"
    odd = {j: v for j, v in ends.items() if v != {"job.completed"}}
    assert not odd, f"exactly one terminal state, COMPLETED, per job: {odd}"
    assert any(started[c] >= 2 for c in crawls), (
        f"no crawl was started twice: the kill did not land mid-crawl ({dict(started)})"
    )


async def check_crawls(engine: AsyncEngine, crawls: set[str]) -> dict[str, int]:
    """Each crawl's rows are stored once: as many pages as URLs and as its result says, the issues
    its result counts (rule by rule), one audit entry; returns the issues of each crawl."""
    async with engine.connect() as conn:
        rows = (await conn.execute(_CRAWLS)).mappings().all()
        by_rule: dict[str, dict[str, int]] = defaultdict(dict)
        for job_id, rule, count in (await conn.execute(_ISSUES_BY_RULE)).all():
            by_rule[str(job_id)][str(rule)] = int(count)
        page_jobs = set((await conn.execute(_PAGE_JOBS)).scalars())
    assert {r["id"] for r in rows} == crawls
    for r in rows:
        result = r["result"] or {}
        where = f"crawl {r['id']}: {dict(r)}"
        assert r["status"] == "COMPLETED" and result.get("success") is True, where
        assert 0 < r["pages"] == r["urls"] == result["pagesAnalyzed"] <= MAX_PAGES, where
        assert r["strays"] == 0, where
        assert r["issues"] == result["issuesFound"], where
        assert by_rule.get(r["id"], {}) == result["issuesByRule"], where
        assert r["audits"] == 1, where
    assert set(by_rule) <= crawls and page_jobs <= crawls, "no page or issue rows of another job"
    return {r["id"]: int(r["issues"]) for r in rows}


async def check_analyses(engine: AsyncEngine, crawls: dict[str, str], issues: dict[str, int]) -> None:
    """Each analysis ran offline on its own crawl and has exactly one conversation."""
    async with engine.connect() as conn:
        rows = (await conn.execute(_ANALYSES)).mappings().all()
    assert {r["id"] for r in rows} == set(crawls.values())
    crawl_of = {a: c for c, a in crawls.items()}
    for r in rows:
        result = r["result"] or {}
        where = f"analysis {r['id']}: {dict(r)}"
        assert r["status"] == "COMPLETED" and result.get("success") is True, where
        assert result["engine"] == "offline", where
        assert [str(d) for d in r["depends_on"]] == [crawl_of[r["id"]]], where
        assert r["conversations"] == 1 and r["conversation"] == result["conversationId"], where
        assert result["issuesAnalyzed"] == issues[crawl_of[r["id"]]], where
