"""Async SQLAlchemy engines over psycopg 3."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

#: Connections each process keeps open (plus overflow).
POOL_SIZE, MAX_OVERFLOW = 10, 20


def make_engine(database_url: str, *, pool_size: int = POOL_SIZE, pre_ping: bool = True) -> AsyncEngine:
    """An async engine; plain postgresql:// URLs are given the psycopg 3 driver.

    ``pre_ping`` tests each connection as it leaves the pool (one more round trip per use), so that
    a request after a database restart does not fail on a stale connection. Loops whose every
    database step is a transaction they repeat whole after a connection error (relay, projector) go
    without: the error invalidates the pool and the repeat gets a fresh connection. A worker keeps
    it: a stale connection met when storing a result would repeat the job's run.
    """
    url = database_url
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return create_async_engine(url, pool_size=pool_size, max_overflow=MAX_OVERFLOW, pool_pre_ping=pre_ping)


def libpq_url(database_url: str) -> str:
    """The same database as a plain libpq URL (for psycopg connections outside SQLAlchemy)."""
    scheme, rest = database_url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgres") else database_url
