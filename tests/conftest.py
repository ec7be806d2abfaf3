"""Shared fixtures: the real PostgreSQL and Kafka of the native stack (or testcontainers).

Each test gets its own database (a copy of a migrated template) and its own topic prefix,
so tests run in any order and never see each other's data.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db.engine import make_engine
from seojobs.adapters.kafka.admin import delete_topics
from seojobs.settings import Settings
from tests.support.cluster import ClusterHandle, running_cluster
from tests.support.services import ServiceSet
from tests.support.stack import TEST_SETTINGS, StackAddress, stack_address

#: Each pytest session migrates its own template, so parallel sessions do not collide.
TEMPLATE_DB = f"seojobs_tpl_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def stack() -> Iterator[StackAddress]:
    """The running stack's addresses (native, or containers when Docker is there)."""
    with stack_address() as address:
        yield address


def _admin_conninfo(address: StackAddress) -> str:
    return address.libpq_url("postgres")


@pytest.fixture(scope="session")
def template_db(stack: StackAddress) -> Iterator[str]:
    """A database migrated to head once per session, copied for each test."""
    from seojobs.adapters.db.migrate import upgrade

    with psycopg.connect(_admin_conninfo(stack), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {TEMPLATE_DB}")
    upgrade(stack.sqlalchemy_url(TEMPLATE_DB))
    yield TEMPLATE_DB
    with psycopg.connect(_admin_conninfo(stack), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)")


@pytest.fixture
def database_url(stack: StackAddress, template_db: str) -> Iterator[str]:
    """A fresh migrated database for this test; dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(_admin_conninfo(stack), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template_db}")
    yield stack.sqlalchemy_url(name)
    with psycopg.connect(_admin_conninfo(stack), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def topic_prefix(stack: StackAddress) -> Iterator[str]:
    """A unique topic and consumer-group prefix for this test; its topics are deleted afterwards.

    (A broker keeps files open for every partition: topics left behind by hundreds of tests
    would exhaust its open-file limit.)
    """
    prefix = f"t{uuid.uuid4().hex[:10]}."
    yield prefix
    asyncio.run(delete_topics(stack.kafka_bootstrap, prefix))


@pytest.fixture
def settings(stack: StackAddress, database_url: str, topic_prefix: str) -> Settings:
    """Settings pointing at this test's database and topics, with short test timings."""
    return Settings(
        database_url=database_url,
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        topic_prefix=topic_prefix,
        **TEST_SETTINGS,
    )


@pytest.fixture
def services(settings: Settings, tmp_path: Path) -> Iterator[ServiceSet]:
    """This test's service processes (started by the test); all stopped afterwards."""
    svc = ServiceSet(settings, tmp_path)
    try:
        yield svc
    finally:
        svc.stop_all()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An async SQLAlchemy engine on this test's database."""
    eng = make_engine(database_url)
    yield eng
    await eng.dispose()


def pytest_report_header() -> str:
    """Say which stack the run talks to."""
    return f"seojobs stack: {os.environ.get('KAFKA_BOOTSTRAP_SERVERS', 'native defaults')}"


@pytest.fixture(scope="session")
def kafka_cluster() -> Iterator[ClusterHandle]:
    """A native 3-node KRaft cluster (own ports and data), started on first use, stopped at the end."""
    with running_cluster() as handle:
        yield handle
