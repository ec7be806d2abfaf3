"""The job-count update trigger returns at once for a statement that changed no row.

The dispatcher releases a lane in one statement whose UPDATE finds no row when the lane has no
room; a statement-level trigger fires even then, and grouping two empty transition tables cost
more than the rest of the statement.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

#: Owner under which jobs without a user are counted (as in 0007).
NIL = "'00000000-0000-0000-0000-000000000000'::uuid"
_DELTAS = f"""
    INSERT INTO job_count_deltas (user_id, type, status, n)
    SELECT u, t, s, sum(d) FROM (
        SELECT coalesce(user_id, {NIL}) AS u, type AS t, status AS s, -1 AS d FROM old_rows
        UNION ALL
        SELECT coalesce(user_id, {NIL}), type, status, 1 FROM new_rows) c
    GROUP BY 1, 2, 3 HAVING sum(d) <> 0"""


def _define(skip_empty: bool) -> None:
    guard = "IF NOT EXISTS (SELECT 1 FROM new_rows) THEN RETURN NULL; END IF;" if skip_empty else ""
    op.execute(f"""
        CREATE OR REPLACE FUNCTION job_counts_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {guard} {_DELTAS}; RETURN NULL; END $$""")


def upgrade() -> None:
    """Replace the update trigger's function with one that skips empty statements."""
    _define(skip_empty=True)


def downgrade() -> None:
    """Back to 0007's function."""
    _define(skip_empty=False)
