"""Async SQLAlchemy engines over psycopg 3."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

#: Connections each process keeps open (plus overflow).
POOL_SIZE, MAX_OVERFLOW = 10, 20


def make_engine(database_url: str, *, pool_size: int = POOL_SIZE) -> AsyncEngine:
    """An async engine; plain postgresql:// URLs are given the psycopg 3 driver."""
    url = database_url
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return create_async_engine(url, pool_size=pool_size, max_overflow=MAX_OVERFLOW,
                               pool_pre_ping=True)


def libpq_url(database_url: str) -> str:
    """The same database as a plain libpq URL (for psycopg connections outside SQLAlchemy)."""
    scheme, rest = database_url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgres") else database_url
