"""A lease's request becomes optional: a running first attempt does not carry it.

The request of a first attempt is what the dispatcher builds from the job's row, so the lease
watch rebuilds it from there when the worker died before its first heartbeat uploaded it. Held
leases, later attempts and restarts keep carrying theirs. This takes the request's bytes off the
claim statement of every work message (about a fifth of a no-op job's time in the worker).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE job_leases ALTER COLUMN request DROP NOT NULL")


def downgrade() -> None:
    op.execute("DELETE FROM job_leases WHERE request IS NULL")
    op.execute("ALTER TABLE job_leases ALTER COLUMN request SET NOT NULL")
