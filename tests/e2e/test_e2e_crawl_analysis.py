"""A crawl of the demo site and its analysis, through the whole pipeline, checked exactly."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.conftest import Account, make_account
from tests.e2e.jobs_http import post_job, wait_terminal
from tests.e2e.test_e2e_faults import events_of
from tests.fakes.anthropic_server import FakeAnthropicServer, overloaded
from tests.support.demosite import DemoSite, answer_key
from tests.support.schemas import event_errors
from tests.support.services import ServiceSet

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

#: Private addresses the crawler may reach in these tests: the demo site only.
ALLOW_DEMO = "127.0.0.1/32"
#: The demo site's https side has a self-signed certificate: accepted for its address only.
TLS_INSECURE_DEMO = "127.0.0.1/32"


@pytest.fixture
def demo() -> Iterator[DemoSite]:
    site = DemoSite()
    yield site
    site.stop()


async def make_site(http: httpx.AsyncClient, svc: ServiceSet, owner: Account, url: str) -> str:
    resp = await http.post(
        f"{svc.api_url}/api/sites", json={"url": url, "name": "demo"}, headers=owner.headers
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["site"]["id"])


@pytest.mark.parametrize("render", ["browser", "http"])
async def test_demo_crawl_finds_exactly_the_answer_key_and_the_analysis_covers_it(
    services: ServiceSet, engine: AsyncEngine, http: httpx.AsyncClient, demo: DemoSite, render: str
) -> None:
    for name in ("api", "relay", "projector", "analyzer"):
        services.start(name)
    services.start(
        "crawler",
        SEOJOBS_CRAWL_ALLOWED_PRIVATE=ALLOW_DEMO,
        SEOJOBS_CRAWL_TLS_INSECURE_HOSTS=TLS_INSECURE_DEMO,
    )
    await services.wait_api()
    owner = await make_account(engine)
    site_id = await make_site(http, services, owner, demo.origin + "/")

    crawl_id = await post_job(
        http,
        services,
        "/api/jobs/crawl",
        {"siteId": site_id, "maxPages": 200, "render": render},
        owner.headers,
    )
    job = await wait_terminal(http, services, crawl_id, owner.headers, timeout_s=180)
    assert job["status"] == "COMPLETED", job
    result = job["result"]
    assert result["success"] is True and result["stoppedReason"] == "completed"

    issues = (
        await http.get(f"{services.api_url}/api/sites/{site_id}/issues?limit=1000", headers=owner.headers)
    ).json()["issues"]
    found = {(i["rule"], i["url"]) for i in issues}
    expected = answer_key(demo, render)
    assert found - expected == set(), "no extra findings"
    assert expected - found == set(), "no missing findings"
    assert result["issuesFound"] == len(issues)
    assert sum(result["issuesByRule"].values()) == len(issues)
    pages = (
        await http.get(f"{services.api_url}/api/sites/{site_id}/pages?limit=1000", headers=owner.headers)
    ).json()["pages"]
    assert len(pages) == result["pagesAnalyzed"]

    events = await events_of(services.settings, {crawl_id})
    assert all(event_errors(e) == [] for e in events)
    progress = [e["payload"]["progress"] for e in events if e["event_type"] == "job.progress"]
    assert len(progress) >= result["pagesAnalyzed"], "a progress event after every page"
    assert progress == sorted(progress), "progress never goes backwards"

    analysis_id = await post_job(http, services, "/api/jobs/analysis", {"siteId": site_id}, owner.headers)
    job = await wait_terminal(http, services, analysis_id, owner.headers)
    assert job["status"] == "COMPLETED", job
    assert job["result"]["engine"] == "offline"
    assert job["result"]["issuesAnalyzed"] == len(issues)
    assert {r["rule"] for r in job["result"]["recommendations"]} == {rule for rule, _ in found}
    evidence = {(i["rule"], i["url"].removeprefix(demo.origin)): i["evidence"] for i in issues}
    assert (
        evidence[("broken_resource", "/rules/broken-stylesheet")]
        == f"{demo.origin}/assets/broken.css (HTTP 500)"
    )
    if render == "browser":
        assert evidence[("lcp_slow", "/rules/lcp-slow")].endswith(" ms (img /assets/hero-slow.svg)")
        assert (
            evidence[("js_error", "/rules/js-error")]
            == "uncaught: ReferenceError: plannerWidget is not defined"
        )

    recs = (
        await http.get(f"{services.api_url}/api/sites/{site_id}/recommendations", headers=owner.headers)
    ).json()["analysis"]
    assert recs["id"] == job["result"]["conversationId"]
    stranger = await make_account(engine)
    for path in (
        f"/api/sites/{site_id}/issues",
        f"/api/sites/{site_id}/recommendations",
        f"/api/conversations/{recs['id']}",
        f"/api/jobs/{crawl_id}/status",
    ):
        assert (await http.get(services.api_url + path, headers=stranger.headers)).status_code == 404


async def test_analysis_with_claude_retries_through_the_delay_topic_when_overloaded(
    services: ServiceSet, engine: AsyncEngine, http: httpx.AsyncClient
) -> None:
    owner = await make_account(engine)
    site = uuid.uuid4()
    crawl = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            text("""
            INSERT INTO sites (id, user_id, url, name) VALUES (:s, :u, 'https://ex.test/', 'x');
        """),
            {"s": site, "u": owner.user_id},
        )
        await conn.execute(
            text("""
            INSERT INTO pages (site_id, crawl_job_id, url, status) VALUES (:s, :c, 'https://ex.test/', 200)
        """),
            {"s": site, "c": crawl},
        )
        await conn.execute(
            text("""
            INSERT INTO seo_issues (site_id, crawl_job_id, url, rule, severity, evidence)
            VALUES (:s, :c, 'https://ex.test/', 'title_missing', 'high', '<title>')
        """),
            {"s": site, "c": crawl},
        )
    with FakeAnthropicServer() as fake:
        # Overloaded for longer than the SDK's own retries: the job must go through a delay topic.
        fake.script(*[overloaded(retry_after="1") for _ in range(3)])
        for name in ("api", "relay", "projector"):
            services.start(name)
        services.start(
            "analyzer",
            ANTHROPIC_API_KEY="sk-test",
            ANTHROPIC_BASE_URL=fake.base_url,
            SEOJOBS_ANTHROPIC_MAX_RETRIES=2,
        )
        await services.wait_api()
        job_id = await post_job(http, services, "/api/jobs/analysis", {"siteId": str(site)}, owner.headers)
        job = await wait_terminal(http, services, job_id, owner.headers, timeout_s=60)
    assert job["status"] == "COMPLETED", job
    assert job["attempts"] == 2, "the first attempt failed after the SDK gave up; the retry succeeded"
    assert job["result"]["engine"] == "claude"
    kinds = [e["event_type"] for e in await events_of(services.settings, {job_id})]
    assert "job.retry_scheduled" in kinds
    async with engine.connect() as conn:
        convs = (
            await conn.execute(text("SELECT count(*) FROM ai_conversations WHERE job_id = :j"), {"j": job_id})
        ).scalar_one()
    assert convs == 1
