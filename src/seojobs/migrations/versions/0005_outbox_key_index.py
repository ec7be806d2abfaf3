"""Outbox key index: the dispatcher asks whether a job still has unpublished messages.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Index the outbox by key (the job id): without it each dispatch round scans the whole outbox
    once per candidate job, which after a Kafka outage holds every message written meanwhile."""
    op.create_index("outbox_key_idx", "outbox", ["key"])


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_index("outbox_key_idx", table_name="outbox")
