"""Job leases and crawl checkpoints: long jobs run outside the partition's actor.

A worker that takes a job from its work topic records a lease (running here, or held until a run
slot is free, for any worker of the service to take), renews it with heartbeats while the job runs,
and marks it done once the result is stored. The dispatcher starts a job again whose lease went
stale (its worker died). A crawl saves its state every few pages, so a restarted crawl resumes.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create job_leases and crawl_checkpoints."""
    op.create_table(
        "job_leases",
        sa.Column(
            "job_id", UUID(as_uuid=True), sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("series", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(255), nullable=False),
        sa.Column("rank", sa.SmallInteger(), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("worker", sa.String(255), nullable=False),
        sa.Column("request", sa.LargeBinary(), nullable=False),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("state IN ('held', 'running', 'done')", name="job_leases_state_check"),
    )
    # No index beside the key: the table holds only live leases (a few per run slot), so the
    # dispatcher's and the workers' scans of it are cheap, and without indexes on the columns a
    # lease's life changes (state, heartbeat) its updates stay HOT.
    op.execute("ALTER TABLE job_leases SET (fillfactor = 70)")
    op.create_table(
        "crawl_checkpoints",
        sa.Column(
            "job_id", UUID(as_uuid=True), sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("series", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("state", JSONB(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_table("crawl_checkpoints")
    op.drop_table("job_leases")
