"""Users, tokens and sites in the database (seojobs.adapters.db.accounts)."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db import accounts
from seojobs.domain.errors import Conflict, NotFound, ValidationFailed

pytestmark = pytest.mark.integration


async def test_token_is_stored_hashed_and_resolves_to_its_user(engine: AsyncEngine) -> None:
    user = await accounts.create_user(engine, "a@example.com", name="A", plan="pro", role="admin")
    token = await accounts.create_token(engine, user, "ci")
    async with engine.connect() as conn:
        stored = (await conn.execute(text("SELECT token_hash, last_used_at FROM api_tokens"))).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert stored.last_used_at is None
    principal = await accounts.user_for_token(engine, token)
    assert principal is not None
    assert (principal.user_id, principal.email, principal.plan, principal.is_admin) == (
        user,
        "a@example.com",
        "pro",
        True,
    )
    async with engine.connect() as conn:
        used = (await conn.execute(text("SELECT last_used_at FROM api_tokens"))).scalar()
    assert used is not None
    assert await accounts.user_for_token(engine, token + "x") is None
    assert await accounts.user_for_token(engine, "") is None


async def test_user_rules(engine: AsyncEngine) -> None:
    await accounts.create_user(engine, "dup@example.com")
    with pytest.raises(Conflict, match="already exists"):
        await accounts.create_user(engine, "dup@example.com")
    with pytest.raises(ValidationFailed, match="role"):
        await accounts.create_user(engine, "r@example.com", role="root")
    with pytest.raises(ValidationFailed, match="plan"):
        await accounts.create_user(engine, "p@example.com", plan="gold")
    with pytest.raises(ValidationFailed, match="e-mail"):
        await accounts.create_user(engine, "not-an-address")


async def test_site_crud(engine: AsyncEngine) -> None:
    owner = await accounts.create_user(engine, "o@example.com")
    other = await accounts.create_user(engine, "x@example.com")
    site = await accounts.create_site(engine, owner, " https://o.example ", " O ")
    assert (site["url"], site["name"]) == ("https://o.example", "O")
    assert await accounts.list_sites(engine, owner) == [site]
    assert await accounts.list_sites(engine, other) == []
    site_id = uuid.UUID(site["id"])
    assert await accounts.get_site(engine, site_id) == site
    with pytest.raises(NotFound, match="site not found"):
        await accounts.get_site(engine, site_id, other)
    with pytest.raises(NotFound, match="site not found"):
        await accounts.delete_site(engine, site_id, other)
    await accounts.delete_site(engine, site_id, owner)
    assert await accounts.list_sites(engine) == []
