"""Job counts kept by triggers (stats without a scan) and the jobs table's index review.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: Owner under which jobs without a user are counted.
NIL = "'00000000-0000-0000-0000-000000000000'::uuid"

#: One statement-level trigger per kind of write: each appends the statement's net change per
#: (owner, type, status) as delta rows, so a 1,000-row batch costs one insert, not 1,000.
_FUNCTIONS = {
    "insert": f"""
        INSERT INTO job_count_deltas (user_id, type, status, n)
        SELECT coalesce(user_id, {NIL}), type, status, count(*) FROM new_rows GROUP BY 1, 2, 3""",
    "delete": f"""
        INSERT INTO job_count_deltas (user_id, type, status, n)
        SELECT coalesce(user_id, {NIL}), type, status, -count(*) FROM old_rows GROUP BY 1, 2, 3""",
    "update": f"""
        INSERT INTO job_count_deltas (user_id, type, status, n)
        SELECT u, t, s, sum(d) FROM (
            SELECT coalesce(user_id, {NIL}) AS u, type AS t, status AS s, -1 AS d FROM old_rows
            UNION ALL
            SELECT coalesce(user_id, {NIL}), type, status, 1 FROM new_rows) c
        GROUP BY 1, 2, 3 HAVING sum(d) <> 0""",
}
_REFERENCING = {
    "insert": "NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


def upgrade() -> None:
    """Counts: tables, triggers and a backfill under a lock; indexes: see each step's comment."""
    op.create_table(
        "job_counts",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("n", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("user_id", "type", "status"),
    )
    op.create_table(
        "job_count_deltas",
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
    )
    # No write to jobs between the triggers' creation and the backfill.
    op.execute("LOCK TABLE jobs IN SHARE ROW EXCLUSIVE MODE")
    for kind, body in _FUNCTIONS.items():
        op.execute(f"""
            CREATE FUNCTION job_counts_on_{kind}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN {body}; RETURN NULL; END $$""")
        op.execute(f"""
            CREATE TRIGGER job_counts_{kind} AFTER {kind.upper()} ON jobs
            REFERENCING {_REFERENCING[kind]} FOR EACH STATEMENT EXECUTE FUNCTION job_counts_on_{kind}()""")
    op.execute("""
        CREATE FUNCTION job_counts_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN DELETE FROM job_counts; DELETE FROM job_count_deltas; RETURN NULL; END $$""")
    op.execute(
        "CREATE TRIGGER job_counts_truncate AFTER TRUNCATE ON jobs "
        "FOR EACH STATEMENT EXECUTE FUNCTION job_counts_on_truncate()"
    )
    op.execute(f"""
        INSERT INTO job_counts (user_id, type, status, n)
        SELECT coalesce(user_id, {NIL}), type, status, count(*) FROM jobs GROUP BY 1, 2, 3""")
    # jobs_status_idx took a write at every status change; stats and open jobs now read the counts,
    # and the cleanup and the dashboard's finished-job queries the partial index below, which a job
    # enters once, when it finishes.
    op.drop_index("jobs_status_idx", table_name="jobs")
    op.create_index(
        "jobs_finished_idx",
        "jobs",
        ["completed_at"],
        postgresql_where=sa.text("status IN ('COMPLETED', 'FAILED', 'CANCELLED')"),
    )
    # Lists filtered by status (any owner, any type) page newest first on one index, so a rare
    # status (PENDING, PROCESSING) is found without walking every job; a type filter is a fraction
    # of at least a tenth of the rows and reads jobs_created_idx. Same writes as the index it replaces.
    op.drop_index("jobs_type_status_created_idx", table_name="jobs")
    op.create_index("jobs_status_created_idx", "jobs", ["status", "created_at"])
    # The site filter of the list pages newest first; the site's crawl in flight and the foreign
    # key's ON DELETE SET NULL use its first column as before.
    op.drop_index("jobs_site_idx", table_name="jobs")
    op.create_index("jobs_site_created_idx", "jobs", ["site_id", "created_at"])
    # Room on each page for the new version of a row whose indexed columns do not change (progress,
    # cancel requests, results written in place): a HOT update writes no index entry. Vacuum after
    # 2 % of the rows changed, not 20 %: every job is updated four times and deleted after a month.
    # A vacuum that finds empty pages at the table's end truncates them under an ACCESS EXCLUSIVE
    # lock, which stops every enqueue and projector write meanwhile: the pages are left to be
    # reused instead. (A cleanup of rows at the table's end saw a 158 ms lock wait with truncation
    # on, at most 11 ms with it off; bench/RESULTS.md.)
    op.execute(
        "ALTER TABLE jobs SET (fillfactor = 90, autovacuum_vacuum_scale_factor = 0.02, "
        "autovacuum_analyze_scale_factor = 0.02, vacuum_truncate = false)"
    )


def downgrade() -> None:
    """Drop what upgrade added, restore the indexes it replaced."""
    op.execute(
        "ALTER TABLE jobs RESET (fillfactor, autovacuum_vacuum_scale_factor, "
        "autovacuum_analyze_scale_factor, vacuum_truncate)"
    )
    op.drop_index("jobs_site_created_idx", table_name="jobs")
    op.create_index("jobs_site_idx", "jobs", ["site_id"])
    op.drop_index("jobs_status_created_idx", table_name="jobs")
    op.create_index("jobs_type_status_created_idx", "jobs", ["type", "status", "created_at"])
    op.drop_index("jobs_finished_idx", table_name="jobs")
    op.create_index("jobs_status_idx", "jobs", ["status"])
    for kind in (*_FUNCTIONS, "truncate"):
        op.execute(f"DROP TRIGGER job_counts_{kind} ON jobs")
        op.execute(f"DROP FUNCTION job_counts_on_{kind}()")
    op.drop_table("job_count_deltas")
    op.drop_table("job_counts")
