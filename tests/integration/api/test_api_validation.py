"""Bad input answers 4xx with a reason a person can act on, and writes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.api.api_helpers import row_counts
from tests.integration.api.conftest import World

pytestmark = pytest.mark.integration

SITE = "{site}"


def _fill(body: Any, site: uuid.UUID) -> Any:
    if isinstance(body, dict):
        return {k: str(site) if v == SITE else v for k, v in body.items()}
    return body


@pytest.mark.parametrize(
    ("path", "body", "status", "needle"),
    [
        ("/api/jobs/crawl", {"siteId": str(uuid.UUID(int=7))}, 404, "site not found"),
        ("/api/jobs/crawl", {"siteId": SITE, "maxPages": 0}, 422, "maxPages"),
        ("/api/jobs/crawl", {"siteId": SITE, "maxPages": 1001}, 422, "less than or equal to 1000"),
        ("/api/jobs/crawl", {"siteId": SITE, "priority": 11}, 422, "priority"),
        ("/api/jobs/crawl", {"siteId": SITE, "priority": -1}, 422, "greater than or equal to 0"),
        ("/api/jobs/crawl", {"siteId": SITE, "render": "pdf"}, 422, "render"),
        ("/api/jobs/crawl", {"siteId": "not-a-uuid"}, 422, "siteId"),
        ("/api/jobs/crawl", {"maxPages": 5}, 422, "siteId: Field required"),
        ("/api/jobs/crawl", {"siteId": SITE, "maxpages": 5}, 422, "maxpages: Extra inputs"),
        ("/api/jobs/crawl", None, 422, "a JSON object is required"),
        ("/api/jobs/analysis", {"siteId": str(uuid.UUID(int=8))}, 404, "site not found"),
        ("/api/jobs/analysis", {"siteId": SITE, "priority": 99}, 422, "priority"),
    ],
)
async def test_bad_user_enqueue_writes_nothing(
    client: httpx.AsyncClient,
    world: World,
    engine: AsyncEngine,
    path: str,
    body: Any,
    status: int,
    needle: str,
) -> None:
    before = await row_counts(engine)
    resp = await client.post(path, headers=world.alice.headers, json=_fill(body, world.alice_site))
    assert resp.status_code == status
    payload = resp.json()
    assert payload["success"] is False and needle in payload["error"]
    assert await row_counts(engine) == before


@pytest.mark.parametrize(
    ("path", "body", "needle"),
    [
        ("/api/jobs/usage-reset", {"month": "2024-13"}, "YYYY-MM"),
        ("/api/jobs/usage-reset", {"month": "January"}, "YYYY-MM"),
        ("/api/jobs/usage-reset", {}, "month: Field required"),
        ("/api/jobs/cleanup", {"daysOld": 0}, "daysOld"),
        ("/api/jobs/cleanup", {"daysOld": "ninety"}, "daysOld"),
        ("/api/jobs/sync-metrics", {"siteId": str(uuid.UUID(int=9))}, "site not found"),
    ],
)
async def test_bad_admin_enqueue_writes_nothing(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine, path: str, body: dict[str, Any], needle: str
) -> None:
    before = await row_counts(engine)
    resp = await client.post(path, headers=world.admin.headers, json=body)
    assert resp.status_code in (404, 422)
    assert resp.json()["success"] is False and needle in resp.json()["error"]
    assert await row_counts(engine) == before


async def test_malformed_json_is_a_400_with_the_reason(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    before = await row_counts(engine)
    resp = await client.post(
        "/api/jobs/crawl",
        content=b'{"siteId": ',
        headers={**world.alice.headers, "Content-Type": "application/json"},
    )
    assert resp.status_code == 400
    assert resp.json()["error"].startswith("the request body is not valid JSON")
    assert await row_counts(engine) == before


async def test_crawl_of_another_users_site_is_not_found(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    before = await row_counts(engine)
    resp = await client.post(
        "/api/jobs/crawl", headers=world.bob.headers, json={"siteId": str(world.alice_site)}
    )
    assert resp.status_code == 404
    assert resp.json() == {
        "success": False,
        "error": "site not found",
        "details": {"site_id": str(world.alice_site)},
    }
    assert await row_counts(engine) == before


async def test_bad_idempotency_key_is_rejected(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    before = await row_counts(engine)
    resp = await client.post(
        "/api/jobs/crawl",
        headers={**world.alice.headers, "Idempotency-Key": "x" * 201},
        json={"siteId": str(world.alice_site)},
    )
    assert resp.status_code == 422 and "Idempotency-Key" in resp.json()["error"]
    assert await row_counts(engine) == before


@pytest.mark.parametrize("path", ["/api/jobs/not-a-uuid/status", "/api/sites/not-a-uuid"])
async def test_invalid_uuid_path_ids_are_422(client: httpx.AsyncClient, world: World, path: str) -> None:
    resp = await client.get(path, headers=world.alice.headers)
    assert resp.status_code == 422
    body = resp.json()
    assert body["success"] is False and "valid UUID" in body["error"]
    assert body["details"][0]["in"] == "path"


@pytest.mark.parametrize("query", ["type=NOPE", "status=DONE", "limit=0", "limit=501"])
async def test_bad_list_filters_are_422(client: httpx.AsyncClient, world: World, query: str) -> None:
    resp = await client.get(f"/api/jobs?{query}", headers=world.alice.headers)
    assert resp.status_code == 422
    assert resp.json()["error"].startswith("invalid request: ")
