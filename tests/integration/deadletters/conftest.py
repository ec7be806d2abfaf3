"""Fixtures of the dead-letter tests: the API on the test's database, an admin and a user."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db import accounts
from seojobs.settings import Settings
from services.api.app import create_app


@dataclass(frozen=True)
class People:
    """The Authorization headers of an admin and of a plain user."""

    admin: dict[str, str]
    user: dict[str, str]


async def _headers(engine: AsyncEngine, role: str) -> dict[str, str]:
    user_id = await accounts.create_user(engine, f"{uuid.uuid4().hex[:8]}@example.test", role=role)
    return {"Authorization": f"Bearer {await accounts.create_token(engine, user_id)}"}


@pytest.fixture
async def people(engine: AsyncEngine) -> People:
    """An admin and a user, each with a token."""
    return People(await _headers(engine, "admin"), await _headers(engine, "user"))


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of create_app(settings) with its lifespan running."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
            yield client
