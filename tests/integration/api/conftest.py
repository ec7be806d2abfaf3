"""Fixtures of the API tests: the app on the test's database, users with tokens, a site."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db import accounts
from seojobs.settings import Settings
from services.api.app import create_app


@dataclass(frozen=True)
class Account:
    """A user with an API token."""

    user_id: uuid.UUID
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header of this user."""
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class World:
    """Two users, an admin, and a site of the first user."""

    alice: Account
    bob: Account
    admin: Account
    alice_site: uuid.UUID


async def _account(engine: AsyncEngine, email: str, role: str = "user") -> Account:
    user_id = await accounts.create_user(engine, email, name=email.split("@")[0], role=role)
    return Account(user_id, await accounts.create_token(engine, user_id, "test"))


@pytest.fixture
async def world(engine: AsyncEngine) -> World:
    """Users alice and bob, an admin, and alice's site."""
    alice = await _account(engine, "alice@example.com")
    bob = await _account(engine, "bob@example.com")
    admin = await _account(engine, "admin@example.com", role="admin")
    site = await accounts.create_site(engine, alice.user_id, "https://alice.example", "Alice")
    return World(alice, bob, admin, uuid.UUID(site["id"]))


async def _client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            yield client


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of create_app(settings), its lifespan running, Kafka probed for real.

    Several crawls of one site may wait at once here (most tests are not about exclusivity).
    """
    async for c in _client(create_app(settings.model_copy(update={"one_crawl_per_site": False}))):
        yield c


@pytest.fixture
async def exclusive_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app as shipped: one crawl per site at a time."""
    async for c in _client(create_app(settings)):
        yield c


@pytest.fixture
async def no_secret_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app whose CRON_SECRET is unset."""
    async for c in _client(create_app(settings.model_copy(update={"cron_secret": ""}))):
        yield c
