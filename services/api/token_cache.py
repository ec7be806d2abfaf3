"""A short-lived cache of token lookups, so most requests authenticate without a database trip.

Only found tokens are cached, each for ``ttl_s`` seconds: a revoked token (its row deleted) or a
deactivated user is refused once its entry expires, at most ``ttl_s`` after the change, and a new
token works at once. Every API process has its own cache; each miss looks the token up again and
notes its use (``last_used_at``), so that column is at most ``ttl_s`` behind per process.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from seojobs.adapters.db.accounts import Principal, hash_token

#: Entries one process keeps at most (the oldest half is dropped when it is full).
MAX_ENTRIES = 10_000

Lookup = Callable[[str], Awaitable[Principal | None]]


class TokenCache:
    """Token -> principal for ``ttl_s`` seconds (0: no caching); misses go to ``lookup``."""

    def __init__(self, lookup: Lookup, ttl_s: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._lookup = lookup
        self._ttl_s = ttl_s
        self._clock = clock
        self._entries: dict[str, tuple[float, Principal]] = {}

    async def principal(self, token: str) -> Principal | None:
        """The token's principal, from the cache while fresh, else from the lookup."""
        key = hash_token(token)
        now = self._clock()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        principal = await self._lookup(token)
        if principal is None:
            self._entries.pop(key, None)
        elif self._ttl_s > 0:
            if len(self._entries) >= MAX_ENTRIES:
                self._evict(now)
            self._entries[key] = (now + self._ttl_s, principal)
        return principal

    def _evict(self, now: float) -> None:
        """Drop expired entries, and the oldest half if that is not enough."""
        self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
        if len(self._entries) >= MAX_ENTRIES:
            keep = sorted(self._entries.items(), key=lambda kv: kv[1][0])[MAX_ENTRIES // 2 :]
            self._entries = dict(keep)
