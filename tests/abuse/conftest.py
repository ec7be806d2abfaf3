"""Abuse fixtures: the API app on the test's database, and the callers of the authorisation matrix."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db import accounts
from seojobs.settings import Settings
from services.api.app import create_app

#: Tables whose row counts must not move when a hostile request is refused.
WATCHED_TABLES = ("jobs", "outbox", "sites", "users", "api_tokens")


@dataclass(frozen=True)
class Callers:
    """The Authorization headers of every kind of caller, and the objects they fight over."""

    headers: dict[str, dict[str, str]]
    alice_site: str
    alice_job: str
    bob_site: str


async def _token(engine: AsyncEngine, email: str, role: str = "user") -> tuple[uuid.UUID, str]:
    user_id = await accounts.create_user(engine, email, role=role)
    return user_id, await accounts.create_token(engine, user_id, "abuse")


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of create_app(settings) with its lifespan running (bench endpoints off)."""
    app = create_app(settings, kafka_ready=_always_ready)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as c:
            yield c


async def _always_ready() -> bool:
    return True


@pytest.fixture
async def callers(client: httpx.AsyncClient, engine: AsyncEngine, settings: Settings) -> Callers:
    """Alice (with a site and a crawl job), Bob (with a site), an admin, and the cron callers."""
    alice_id, alice = await _token(engine, "alice@example.com")
    _, bob = await _token(engine, "bob@example.com")
    _, admin = await _token(engine, "admin@example.com", role="admin")
    del alice_id
    headers = {
        "anonymous": {},
        "alice": {"Authorization": f"Bearer {alice}"},
        "bob": {"Authorization": f"Bearer {bob}"},
        "admin": {"Authorization": f"Bearer {admin}"},
        "cron": {"Authorization": f"Bearer {settings.cron_secret}"},
        "wrong": {"Authorization": "Bearer not-the-secret"},
    }
    alice_site = (
        await client.post(
            "/api/sites", json={"url": "https://alice.example", "name": "A"}, headers=headers["alice"]
        )
    ).json()["site"]["id"]
    bob_site = (
        await client.post(
            "/api/sites", json={"url": "https://bob.example", "name": "B"}, headers=headers["bob"]
        )
    ).json()["site"]["id"]
    resp = await client.post("/api/jobs/crawl", json={"siteId": alice_site}, headers=headers["alice"])
    assert resp.status_code == 202, resp.text
    return Callers(headers, alice_site, resp.json()["jobId"], bob_site)


async def row_counts(engine: AsyncEngine) -> dict[str, int]:
    """The row count of every watched table."""
    async with engine.connect() as conn:
        return {
            t: (await conn.execute(text(f"SELECT count(*) FROM {t}"))).scalar_one() for t in WATCHED_TABLES
        }
