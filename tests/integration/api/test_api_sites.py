"""Sites for their owners: create, list, read, delete."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.api.conftest import World

pytestmark = pytest.mark.integration


async def _site_count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM sites"))).scalar_one())


async def test_create_list_get_delete(client: httpx.AsyncClient, world: World, engine: AsyncEngine) -> None:
    h = world.bob.headers
    created = await client.post(
        "/api/sites", headers=h, json={"url": "https://bob.example/shop", "name": "Bob's shop"}
    )
    assert created.status_code == 201
    site = created.json()["site"]
    assert created.json()["success"] is True
    assert (site["url"], site["name"], site["userId"]) == (
        "https://bob.example/shop",
        "Bob's shop",
        str(world.bob.user_id),
    )
    listed = (await client.get("/api/sites", headers=h)).json()
    assert listed == {"success": True, "sites": [site]}
    assert (await client.get(f"/api/sites/{site['id']}", headers=h)).json() == {"success": True, "site": site}
    deleted = await client.delete(f"/api/sites/{site['id']}", headers=h)
    assert deleted.status_code == 200
    assert deleted.json() == {"success": True, "siteId": site["id"], "deleted": True}
    assert (await client.get(f"/api/sites/{site['id']}", headers=h)).status_code == 404
    assert (await client.delete(f"/api/sites/{site['id']}", headers=h)).status_code == 404


async def test_users_list_only_their_sites_admin_all(client: httpx.AsyncClient, world: World) -> None:
    await client.post(
        "/api/sites", headers=world.bob.headers, json={"url": "http://bob.example", "name": "B"}
    )
    bob = (await client.get("/api/sites", headers=world.bob.headers)).json()["sites"]
    alice = (await client.get("/api/sites", headers=world.alice.headers)).json()["sites"]
    admin = (await client.get("/api/sites", headers=world.admin.headers)).json()["sites"]
    assert [s["url"] for s in bob] == ["http://bob.example"]
    assert [s["id"] for s in alice] == [str(world.alice_site)]
    assert len(admin) == 2


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"url": "ftp://example.com", "name": "x"}, "http:// or https://"),
        ({"url": "https://", "name": "x"}, "host name"),
        ({"url": "example.com", "name": "x"}, "http:// or https://"),
        ({"url": "https://example.com", "name": ""}, "name"),
        ({"url": "https://example.com"}, "name: Field required"),
    ],
)
async def test_bad_site_is_422_and_writes_nothing(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine, body: dict[str, str], needle: str
) -> None:
    before = await _site_count(engine)
    resp = await client.post("/api/sites", headers=world.alice.headers, json=body)
    assert resp.status_code == 422
    assert resp.json()["success"] is False and needle in resp.json()["error"]
    assert await _site_count(engine) == before
