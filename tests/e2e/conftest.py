"""End-to-end fixtures: the services of one test as processes, users with tokens."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db.accounts import create_token, create_user


@dataclass(frozen=True)
class Account:
    """A user and an HTTP client authenticated as them."""

    user_id: uuid.UUID
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header of this user."""
        return {"Authorization": f"Bearer {self.token}"}


async def make_account(engine: AsyncEngine, role: str = "user") -> Account:
    """A new user with one API token."""
    user_id = await create_user(engine, f"{uuid.uuid4().hex[:8]}@example.test", role=role)
    return Account(user_id, await create_token(engine, user_id))


@pytest.fixture
async def admin(engine: AsyncEngine) -> Account:
    """An admin user."""
    return await make_account(engine, role="admin")


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client."""
    async with httpx.AsyncClient(timeout=30) as client:
        yield client
