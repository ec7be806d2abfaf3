"""SITEMAP_CHECK from its derived API route to COMPLETED with its result, through the crawler service."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.conftest import make_account
from tests.e2e.jobs_http import post_job, wait_terminal
from tests.e2e.test_e2e_faults import events_of
from tests.support.schemas import event_errors
from tests.support.services import ServiceSet
from tests.support.sitemapsite import EXPECTED, sitemap_site

pytestmark = pytest.mark.e2e


async def test_a_sitemap_check_runs_on_the_crawler_and_reports_statuses_and_lastmod(
    services: ServiceSet, engine: AsyncEngine, http: httpx.AsyncClient
) -> None:
    for name in ("api", "relay", "projector", "crawler"):
        services.start(name)
    await services.wait_api()
    user = await make_account(engine)
    with sitemap_site() as site:
        resp = await http.post(
            f"{services.api_url}/api/sites",
            json={"url": site.base + "/", "name": "maps"},
            headers=user.headers,
        )
        assert resp.status_code == 201, resp.text
        site_id = resp.json()["site"]["id"]
        job_id = await post_job(http, services, "/api/jobs/sitemap-check", {"siteId": site_id}, user.headers)
        job = await wait_terminal(http, services, job_id, user.headers)
    assert job["status"] == "COMPLETED" and job["type"] == "SITEMAP_CHECK", job
    result = job["result"]
    got = [(u["url"].removeprefix(site.base), u["lastmod"], u["status"], u["error"]) for u in result["urls"]]
    assert got == EXPECTED
    assert (result["totalUrls"], result["checked"], result["broken"]) == (4, 4, 2)
    assert result["success"] is True
    events = await events_of(services.settings, {job_id})
    assert {e["event_type"] for e in events} >= {"job.started", "job.completed"}
    assert [event_errors(e) for e in events] == [[] for _ in events], "every event fits its schema"

    refused = await http.post(
        f"{services.api_url}/api/jobs/sitemap-check",
        json={"siteId": site_id},
        headers=(await make_account(engine)).headers,
    )
    assert refused.status_code == 404, "another user's site is not found"
