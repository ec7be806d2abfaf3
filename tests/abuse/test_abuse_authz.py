"""Every endpoint x every kind of caller: each answer is the documented one, nobody reaches another's data."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.abuse.conftest import Callers, row_counts

pytestmark = pytest.mark.integration

CALLERS = ("anonymous", "alice", "bob", "admin", "cron", "wrong")
#: Answers of a user endpoint on alice's object: bob sees nothing (404), admins see everything.
OWNED = {"anonymous": 401, "alice": 200, "bob": 404, "admin": 200, "cron": 401, "wrong": 401}
#: Answers of a user endpoint that lists or counts the caller's own records.
MINE = {"anonymous": 401, "alice": 200, "bob": 200, "admin": 200, "cron": 401, "wrong": 401}
#: Answers of an admin-only enqueue endpoint.
ADMIN = {"anonymous": 401, "alice": 403, "bob": 403, "admin": 202, "cron": 401, "wrong": 401}
#: Answers of a cron endpoint: only the secret opens it (user tokens, even an admin's, do not).
CRON = {"anonymous": 401, "alice": 401, "bob": 401, "admin": 401, "cron": 200, "wrong": 401}
#: Answers of the benchmark endpoints on a server without bench_enabled: they do not exist.
HIDDEN = dict.fromkeys(CALLERS, 404)


def matrix(c: Callers) -> list[tuple[str, str, dict[str, Any] | None, dict[str, int]]]:
    """(method, path, body, answers) of every endpoint that must not leak or act for the wrong caller."""
    site, job = c.alice_site, c.alice_job
    return [
        ("GET", f"/api/sites/{site}", None, OWNED),
        ("GET", f"/api/sites/{site}/issues", None, OWNED),
        ("GET", f"/api/sites/{site}/pages", None, OWNED),
        ("GET", f"/api/sites/{site}/recommendations", None, OWNED),
        ("GET", f"/api/jobs/{job}/status", None, OWNED),
        ("GET", "/api/jobs", None, MINE),
        ("GET", "/api/jobs/stats", None, MINE),
        ("GET", "/api/sites", None, MINE),
        # A crawl is for the site's owner only; her site already has an active crawl (200: that job).
        ("POST", "/api/jobs/crawl", {"siteId": site}, {**OWNED, "alice": 200, "admin": 404}),
        ("POST", "/api/jobs/analysis", {"siteId": site}, {**OWNED, "alice": 202, "admin": 404}),
        ("POST", "/api/jobs/sitemap-check", {"siteId": site}, {**OWNED, "alice": 202, "admin": 404}),
        ("POST", "/api/jobs/cleanup", {"daysOld": 90}, ADMIN),
        ("POST", "/api/jobs/usage-reset", {"month": "2024-01"}, ADMIN),
        ("POST", "/api/jobs/sync-metrics", {}, ADMIN),
        ("POST", "/api/jobs/noop", {}, HIDDEN),
        ("POST", "/api/jobs/noop/bulk", {"count": 5}, HIDDEN),
        ("POST", "/api/jobs/process", None, CRON),
        ("POST", "/api/cron/process-jobs", None, CRON),
        ("GET", "/api/cron/process-jobs", None, CRON),
        ("GET", f"/api/conversations/{uuid.uuid4()}", None, {**OWNED, "alice": 404, "admin": 404}),
        ("GET", "/api/dashboard/rules", None, {**ADMIN, "admin": 200}),
    ]


async def test_every_endpoint_answers_each_caller_as_documented(
    client: httpx.AsyncClient, callers: Callers
) -> None:
    wrong = []
    for method, path, body, answers in matrix(callers):
        for who in CALLERS:
            resp = await client.request(method, path, json=body, headers=callers.headers[who])
            if resp.status_code != answers[who]:
                wrong.append(
                    f"{method} {path} as {who}: {resp.status_code} (want {answers[who]}) {resp.text}"
                )
            assert resp.status_code < 500, f"{method} {path} as {who}: {resp.text}"
            if resp.status_code == 401:
                assert resp.headers.get("www-authenticate") == "Bearer"
    assert not wrong, "\n".join(wrong)


async def test_no_user_reads_or_lists_another_users_records(
    client: httpx.AsyncClient, callers: Callers
) -> None:
    bob = callers.headers["bob"]
    jobs = (await client.get("/api/jobs", headers=bob)).json()["jobs"]
    sites = (await client.get("/api/sites", headers=bob)).json()["sites"]
    assert callers.alice_job not in {j["id"] for j in jobs}
    assert {s["id"] for s in sites} == {callers.bob_site}
    assert (await client.get("/api/jobs/stats", headers=bob)).json()["total"] == 0
    resp = await client.post(
        "/api/jobs/crawl", json={"siteId": callers.bob_site}, headers=callers.headers["alice"]
    )
    assert resp.status_code == 404, "alice cannot crawl bob's site"


async def test_no_user_cancels_or_deletes_another_users_things(
    client: httpx.AsyncClient, callers: Callers, engine: AsyncEngine
) -> None:
    before = await row_counts(engine)
    for who in ("anonymous", "bob", "cron", "wrong"):
        job = await client.post(f"/api/jobs/{callers.alice_job}/cancel", headers=callers.headers[who])
        site = await client.delete(f"/api/sites/{callers.alice_site}", headers=callers.headers[who])
        assert (job.status_code, site.status_code) == ((404, 404) if who == "bob" else (401, 401)), who
    assert await row_counts(engine) == before, "nothing was written"
    status = await client.get(f"/api/jobs/{callers.alice_job}/status", headers=callers.headers["alice"])
    assert status.json()["job"]["status"] == "PENDING" and not status.json()["job"]["cancelRequested"]
    own = await client.post(f"/api/jobs/{callers.alice_job}/cancel", headers=callers.headers["alice"])
    assert own.status_code == 200 and own.json()["status"] == "CANCELLED"


async def test_anonymous_callers_get_nothing_from_any_api_route(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    probed = 0
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/"):
            continue
        concrete = path
        for part in path.split("/"):
            if part.startswith("{"):
                concrete = concrete.replace(part, str(uuid.uuid4()))
        for method in operations:
            resp = await client.request(method.upper(), concrete, json={})
            probed += 1
            assert resp.status_code in (401, 404), f"{method.upper()} {path}: {resp.status_code}"
    assert probed >= 20
