"""Allow the SITEMAP_CHECK job type in jobs.type.

The allowed values are written out, not read from the registry: a migration stays what it was
when it ran. ``tests/unit/core/test_core_registry.py`` checks the newest list against the registry.

Revision ID: 0010
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None

#: The job types before this revision.
OLD_TYPES = ("CRAWL_SITE", "ANALYZE_SITE", "CLEANUP_ROLLBACKS", "RESET_USAGE", "SYNC_METRICS", "NOOP")
#: The job types from this revision on.
NEW_TYPES = (*OLD_TYPES, "SITEMAP_CHECK")


def _replace(types: tuple[str, ...]) -> None:
    op.drop_constraint("jobs_type_check", "jobs", type_="check")
    op.create_check_constraint("jobs_type_check", "jobs", f"type IN ({', '.join(repr(t) for t in types)})")


def upgrade() -> None:
    """Replace the type check with one that admits SITEMAP_CHECK."""
    _replace(NEW_TYPES)


def downgrade() -> None:
    """Remove SITEMAP_CHECK jobs and restore the old type check."""
    op.execute("DELETE FROM jobs WHERE type = 'SITEMAP_CHECK'")
    _replace(OLD_TYPES)
