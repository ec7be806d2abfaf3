"""Authorisation: tokens, admin role, owners only, and the fail-closed cron secret."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.api.api_helpers import row_counts
from tests.integration.api.conftest import World

pytestmark = pytest.mark.integration

USER_ENDPOINTS = [
    ("POST", "/api/jobs/crawl"),
    ("POST", "/api/jobs/analysis"),
    ("GET", "/api/jobs"),
    ("GET", "/api/jobs/stats"),
    ("GET", f"/api/jobs/{uuid.UUID(int=1)}/status"),
    ("POST", f"/api/jobs/{uuid.UUID(int=1)}/cancel"),
    ("GET", "/api/sites"),
    ("POST", "/api/sites"),
    ("GET", f"/api/sites/{uuid.UUID(int=1)}"),
    ("DELETE", f"/api/sites/{uuid.UUID(int=1)}"),
]
ADMIN_ENDPOINTS = ["/api/jobs/cleanup", "/api/jobs/usage-reset", "/api/jobs/sync-metrics"]
CRON_ENDPOINTS = [
    ("POST", "/api/cron/process-jobs"),
    ("POST", "/api/jobs/process"),
    ("GET", "/api/cron/daily"),
    ("POST", "/api/cron/daily"),
    ("GET", "/api/cron/monthly"),
    ("POST", "/api/cron/monthly"),
]


@pytest.mark.parametrize(("method", "path"), USER_ENDPOINTS + [("POST", p) for p in ADMIN_ENDPOINTS])
@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": "Basic dXNlcjpwYXNz"}]
)
async def test_anonymous_or_bad_token_is_401(
    client: httpx.AsyncClient, engine: AsyncEngine, method: str, path: str, headers: dict[str, str]
) -> None:
    before = await row_counts(engine)
    resp = await client.request(method, path, headers=headers, json={})
    assert resp.status_code == 401
    assert resp.headers["www-authenticate"] == "Bearer"
    assert resp.json()["success"] is False and "token" in resp.json()["error"]
    assert await row_counts(engine) == before


async def test_inactive_users_token_is_401(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE users SET active = false WHERE id = :id"), {"id": world.bob.user_id})
    resp = await client.get("/api/jobs", headers=world.bob.headers)
    assert resp.status_code == 401


@pytest.mark.parametrize("path", ADMIN_ENDPOINTS)
async def test_non_admin_on_admin_endpoint_is_403(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine, path: str
) -> None:
    before = await row_counts(engine)
    resp = await client.post(path, headers=world.alice.headers, json={"month": "2024-01"})
    assert resp.status_code == 403
    assert resp.json() == {"success": False, "error": "this endpoint is for administrators only"}
    assert await row_counts(engine) == before


async def test_other_users_job_is_404(client: httpx.AsyncClient, world: World, engine: AsyncEngine) -> None:
    job_id = (
        await client.post(
            "/api/jobs/crawl", headers=world.alice.headers, json={"siteId": str(world.alice_site)}
        )
    ).json()["jobId"]
    status = await client.get(f"/api/jobs/{job_id}/status", headers=world.bob.headers)
    cancel = await client.post(f"/api/jobs/{job_id}/cancel", headers=world.bob.headers)
    assert (status.status_code, cancel.status_code) == (404, 404)
    assert status.json()["error"] == f"job {job_id} not found"
    own = (await client.get(f"/api/jobs/{job_id}/status", headers=world.alice.headers)).json()
    assert own["job"]["status"] == "PENDING"


async def test_other_users_site_is_404(client: httpx.AsyncClient, world: World) -> None:
    site = f"/api/sites/{world.alice_site}"
    assert (await client.get(site, headers=world.bob.headers)).status_code == 404
    assert (await client.delete(site, headers=world.bob.headers)).status_code == 404
    assert (await client.get(site, headers=world.alice.headers)).status_code == 200


@pytest.mark.parametrize(("method", "path"), CRON_ENDPOINTS)
async def test_cron_without_configured_secret_is_refused(
    no_secret_client: httpx.AsyncClient, engine: AsyncEngine, method: str, path: str
) -> None:
    before = await row_counts(engine)
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Bearer anything"}):
        resp = await no_secret_client.request(method, path, headers=headers)
        assert resp.status_code == 503
        assert "CRON_SECRET is not configured" in resp.json()["error"]
    assert await row_counts(engine) == before


@pytest.mark.parametrize(("method", "path"), CRON_ENDPOINTS)
async def test_cron_with_wrong_or_missing_secret_is_401(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine, method: str, path: str
) -> None:
    before = await row_counts(engine)
    for headers in ({}, {"Authorization": "Bearer not-the-secret"}, world.admin.headers):
        resp = await client.request(method, path, headers=headers)
        assert resp.status_code == 401
        assert resp.json()["success"] is False
    assert await row_counts(engine) == before


@pytest.mark.parametrize(("method", "path"), CRON_ENDPOINTS)
async def test_cron_with_right_secret_is_let_in(client: httpx.AsyncClient, method: str, path: str) -> None:
    resp = await client.request(method, path, headers={"Authorization": "Bearer test-cron-secret"})
    assert resp.status_code in (200, 202)
    assert resp.json()["success"] is True
