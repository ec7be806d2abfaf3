"""Wake the outbox relay with NOTIFY when rows are added.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: The channel the relay LISTENs on.
CHANNEL = "seojobs_outbox"


def upgrade() -> None:
    """One NOTIFY per inserting statement (not per row): cheap under bulk enqueues."""
    op.execute(f"""
        CREATE FUNCTION seojobs_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM pg_notify('{CHANNEL}', '');
          RETURN NULL;
        END $$;
    """)
    op.execute("""
        CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
        FOR EACH STATEMENT EXECUTE FUNCTION seojobs_outbox_notify();
    """)


def downgrade() -> None:
    """Drop the trigger and its function."""
    op.execute("DROP TRIGGER IF EXISTS outbox_notify ON outbox")
    op.execute("DROP FUNCTION IF EXISTS seojobs_outbox_notify()")
