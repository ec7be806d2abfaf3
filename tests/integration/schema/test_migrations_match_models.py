"""Alembic's `upgrade head` from an empty database gives exactly the schema the models describe."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

import seojobs.adapters.db.domain_models  # noqa: F401  (registers the tables)
from seojobs.adapters.db.migrate import downgrade, upgrade
from seojobs.adapters.db.models import Base

pytestmark = pytest.mark.integration


def diff_against_models(database_url: str) -> list[Any]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return list(compare_metadata(MigrationContext.configure(conn), Base.metadata))
    finally:
        engine.dispose()


def test_upgrade_head_from_empty_matches_the_models(database_url: str) -> None:
    # The test database was made from a migrated template; go back to empty and up again.
    downgrade(database_url, "base")
    upgrade(database_url)
    assert diff_against_models(database_url) == []
