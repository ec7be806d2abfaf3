"""Allow the benchmark-only NOOP job type in jobs.type.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

#: The job types before this revision.
OLD_TYPES = ("CRAWL_SITE", "ANALYZE_SITE", "CLEANUP_ROLLBACKS", "RESET_USAGE", "SYNC_METRICS")
#: The job types from this revision on.
NEW_TYPES = (*OLD_TYPES, "NOOP")


def _replace(types: tuple[str, ...]) -> None:
    op.drop_constraint("jobs_type_check", "jobs", type_="check")
    op.create_check_constraint("jobs_type_check", "jobs", f"type IN ({', '.join(repr(t) for t in types)})")


def upgrade() -> None:
    """Replace the type check with one that admits NOOP."""
    _replace(NEW_TYPES)


def downgrade() -> None:
    """Remove NOOP jobs and restore the old type check."""
    op.execute("DELETE FROM jobs WHERE type = 'NOOP'")
    _replace(OLD_TYPES)
