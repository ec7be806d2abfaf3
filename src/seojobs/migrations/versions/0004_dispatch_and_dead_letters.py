"""Dispatch window index, the dead-letter store.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the in-flight index the dispatcher counts with, and the dead_letters table."""
    op.create_index(
        "jobs_inflight_idx",
        "jobs",
        ["type", "priority"],
        postgresql_where=sa.text("dispatched_at IS NOT NULL AND status IN ('PENDING', 'PROCESSING')"),
    )
    op.create_index(
        "jobs_undispatched_user_idx",
        "jobs",
        ["type", "user_id"],
        postgresql_where=sa.text("status = 'PENDING' AND dispatched_at IS NULL"),
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.UUID(), nullable=True),
        sa.Column("job_type", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("error_type", sa.String(length=100), nullable=False),
        sa.Column("stack", sa.Text(), nullable=True),
        sa.Column("component", sa.String(length=20), nullable=False),
        sa.Column("source_topic", sa.String(length=255), nullable=False),
        sa.Column("source_partition", sa.Integer(), nullable=False),
        sa.Column("source_offset", sa.BigInteger(), nullable=False),
        sa.Column(
            "attempts",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column("original", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("original_base64", sa.Text(), nullable=True),
        sa.Column("dlq_partition", sa.Integer(), nullable=False),
        sa.Column("dlq_offset", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("redriven_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dlq_partition", "dlq_offset", name="dead_letters_dlq_position_key"),
    )
    op.create_index("dead_letters_job_idx", "dead_letters", ["job_id"])
    op.create_index("dead_letters_created_idx", "dead_letters", ["created_at"])


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_index("dead_letters_created_idx", table_name="dead_letters")
    op.drop_index("dead_letters_job_idx", table_name="dead_letters")
    op.drop_table("dead_letters")
    op.drop_index("jobs_undispatched_user_idx", table_name="jobs")
    op.drop_index("jobs_inflight_idx", table_name="jobs")
