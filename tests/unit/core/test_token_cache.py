"""The API's token cache: hits while fresh, looks up again once expired, never caches a refusal."""

from __future__ import annotations

import uuid

from seojobs.adapters.db.accounts import Principal
from services.api.token_cache import TokenCache

ALICE = Principal(uuid.uuid4(), "alice@example.com", "user", "free")


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_a_token_is_looked_up_once_per_ttl_and_a_revocation_shows_after_it() -> None:
    table: dict[str, Principal] = {"t1": ALICE}
    lookups: list[str] = []

    async def lookup(token: str) -> Principal | None:
        lookups.append(token)
        return table.get(token)

    clock = Clock()
    cache = TokenCache(lookup, 2.0, clock=clock)
    assert await cache.principal("t1") == ALICE
    clock.now += 1.9
    assert await cache.principal("t1") == ALICE and lookups == ["t1"]
    del table["t1"]  # revoked
    clock.now += 0.2
    assert await cache.principal("t1") is None
    assert await cache.principal("t1") is None and lookups == ["t1", "t1", "t1"]
    table["t2"] = ALICE  # a new token works at once: refusals are not cached
    assert await cache.principal("t2") == ALICE


async def test_no_caching_with_a_zero_ttl() -> None:
    calls = 0

    async def lookup(token: str) -> Principal | None:
        nonlocal calls
        calls += 1
        return ALICE

    cache = TokenCache(lookup, 0.0)
    for _ in range(3):
        assert await cache.principal("t") == ALICE
    assert calls == 3
