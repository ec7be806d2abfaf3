"""Load a month and a half of jobs into a database of its own: 3,000,000 by default.

    PYTHONPATH=. .venv/bin/python -m bench.large_load --db seojobs_large [--jobs 3000000]

The database is created (dropped first if it exists) and migrated. Jobs are spread evenly over
the last 45 days, so about a third are past the 30-day retention; 1,000 users own 5 sites each.
Statuses: 90 % COMPLETED (with a result), 5 % FAILED, 4.7 % CANCELLED, 0.3 % open: PROCESSING,
PENDING dispatched, PENDING due and not dispatched, PENDING scheduled later (1,000 / 1,000 /
2,000 / 5,000 at 3M, in proportion otherwise). Types: 50 % crawls, 30 % analyses, 20 %
maintenance. Each completed job has its job_results row; every tenth completed crawl has its
pages and issues (5 pages, 4 issues); every job has an audit-log event. The rows are written by
the database itself (generate_series), in chunks, with the schema's indexes and triggers on.
"""

from __future__ import annotations

import argparse
import time

import psycopg

from bench.stack import PG
from seojobs.adapters.db.migrate import upgrade

#: Rows one INSERT writes.
CHUNK = 250_000
USERS, SITES_PER_USER, DAYS = 1_000, 5, 45

#: The status and type of the g-th job; 0.3 % are open (PENDING here, sorted out by OPEN_JOBS).
_STATUS = """CASE
    WHEN g %% 1000 < 900 THEN 'COMPLETED' WHEN g %% 1000 < 950 THEN 'FAILED'
    WHEN g %% 1000 < 997 THEN 'CANCELLED' ELSE 'PENDING' END"""
_TYPE = """CASE WHEN g / 1000 %% 10 < 5 THEN 'CRAWL_SITE' WHEN g / 1000 %% 10 < 8 THEN 'ANALYZE_SITE'
    WHEN g / 1000 %% 10 = 8 THEN 'SYNC_METRICS' ELSE 'CLEANUP_ROLLBACKS' END"""

INSERT_JOBS = f"""
INSERT INTO jobs (id, type, status, priority, payload, result, error, attempts, max_attempts,
                  scheduled_for, started_at, completed_at, created_at, updated_at, progress, user_id,
                  site_id, last_seq, dispatched_at)
SELECT gen_random_uuid(), t, s, 5, jsonb_build_object('maxPages', 10), r, e, a, 3, c, st, fin, c, c, p,
       u, CASE WHEN t IN ('CRAWL_SITE', 'ANALYZE_SITE') THEN site ELSE NULL END, 100, disp
FROM (
    SELECT g, t, s,
           now() - make_interval(secs => {DAYS} * 86400.0 * (%(n)s::bigint - g) / %(n)s::bigint) AS c,
           (SELECT id FROM bench_users WHERE k = g %% {USERS}) AS u,
           (SELECT id FROM bench_sites WHERE k = g %% {USERS * SITES_PER_USER}) AS site,
           CASE WHEN s = 'COMPLETED' THEN jsonb_build_object('pagesCrawled', g %% 50, 'issues', g %% 7)
               END AS r,
           CASE WHEN s = 'FAILED' THEN 'timeout after 900 s'
                WHEN s = 'CANCELLED' THEN 'cancelled by request' END AS e,
           CASE WHEN s = 'FAILED' THEN 3 WHEN s = 'PENDING' THEN 0 ELSE 1 END AS a,
           CASE WHEN s = 'COMPLETED' THEN 100 ELSE 0 END AS p
    FROM (SELECT g, {_TYPE} AS t, {_STATUS} AS s FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) g) x
) y,
LATERAL (SELECT CASE WHEN s <> 'PENDING' THEN c + interval '2 minutes' END AS fin,
                CASE WHEN s <> 'PENDING' THEN c + interval '5 seconds' END AS st,
                CASE WHEN s <> 'PENDING' THEN c END AS disp) z
"""

#: The open jobs (PENDING as loaded), newest first, become the four kinds of unfinished job.
OPEN_JOBS = """
WITH o AS (SELECT id, row_number() OVER (ORDER BY created_at DESC) AS k FROM jobs WHERE status = 'PENDING')
UPDATE jobs j SET
    status = CASE WHEN o.k <= %(processing)s THEN 'PROCESSING' ELSE 'PENDING' END,
    started_at = CASE WHEN o.k <= %(processing)s THEN j.created_at + interval '5 seconds' END,
    dispatched_at = CASE WHEN o.k <= %(processing)s + %(dispatched)s THEN j.created_at END,
    scheduled_for = CASE WHEN o.k > %(processing)s + %(dispatched)s + %(due)s
                         THEN now() + make_interval(secs => o.k) ELSE j.created_at END
FROM o WHERE j.id = o.id
"""


def _run(conn: psycopg.Connection, label: str, sql: str, params: dict[str, int] | None = None) -> None:
    began = time.monotonic()
    rows = conn.execute(sql.encode(), params).rowcount
    print(f"  {label}: {rows:,} rows in {time.monotonic() - began:.1f} s", flush=True)


def load(db: str, n: int) -> None:
    """Create, migrate and fill the database."""
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)".encode())
        conn.execute(f"CREATE DATABASE {db}".encode())
    upgrade(f"postgresql+psycopg://{PG.split('://', 1)[1]}/{db}")
    scale = n / 3_000_000
    with psycopg.connect(f"{PG}/{db}", autocommit=True) as conn:
        _run(
            conn,
            "users",
            f"""
            INSERT INTO users (email, plan) SELECT 'user' || g || '@example.com', 'pro'
            FROM generate_series(0, {USERS - 1}) g""",
        )
        _run(
            conn,
            "sites",
            f"""
            INSERT INTO sites (user_id, url, name)
            SELECT u.id, 'https://site' || g || '.example', 'site ' || g
            FROM generate_series(0, {USERS * SITES_PER_USER - 1}) g
            JOIN (SELECT id, row_number() OVER (ORDER BY email) - 1 AS k FROM users) u
              ON u.k = g % {USERS}""",
        )
        conn.execute(
            b"CREATE TEMP TABLE bench_users AS "
            b"SELECT id, row_number() OVER (ORDER BY email) - 1 AS k FROM users"
        )
        conn.execute(
            b"CREATE TEMP TABLE bench_sites AS "
            b"SELECT id, row_number() OVER (ORDER BY url) - 1 AS k FROM sites"
        )
        conn.execute(b"CREATE INDEX ON bench_users (k); CREATE INDEX ON bench_sites (k)")
        for lo in range(0, n, CHUNK):
            hi = min(n, lo + CHUNK) - 1
            _run(conn, f"jobs {lo:,}-{hi:,}", INSERT_JOBS, {"lo": lo, "hi": hi, "n": n})
        _run(
            conn,
            "open jobs",
            OPEN_JOBS,
            {"processing": int(1000 * scale), "dispatched": int(1000 * scale), "due": int(2000 * scale)},
        )
        _run(
            conn,
            "job_results",
            """
            INSERT INTO job_results (job_id, series, attempt, result, created_at)
            SELECT id, 0, 1, result, completed_at FROM jobs WHERE status = 'COMPLETED'""",
        )
        _run(
            conn,
            "pages",
            """
            INSERT INTO pages (site_id, crawl_job_id, url, status, bytes, title, words)
            SELECT j.site_id, j.id, 'https://x.example/p' || p, 200, 10000, 'Page ' || p, 300
            FROM (SELECT id, site_id, row_number() OVER () AS k FROM jobs
                  WHERE type = 'CRAWL_SITE' AND status = 'COMPLETED') j, generate_series(1, 5) p
            WHERE j.k % 10 = 0""",
        )
        _run(
            conn,
            "issues",
            """
            INSERT INTO seo_issues (site_id, crawl_job_id, url, rule, severity, evidence)
            SELECT j.site_id, j.id, 'https://x.example/p' || p, 'missing-title', 'high', ''
            FROM (SELECT id, site_id, row_number() OVER () AS k FROM jobs
                  WHERE type = 'CRAWL_SITE' AND status = 'COMPLETED') j, generate_series(1, 4) p
            WHERE j.k % 10 = 0""",
        )
        _run(
            conn,
            "events (audit log)",
            """
            INSERT INTO audit_logs (user_id, action, entity, entity_id, created_at)
            SELECT user_id, 'job.' || lower(status), 'job', id::text, created_at FROM jobs""",
        )
        _run(
            conn,
            "fold the counts",
            """
            WITH moved AS (DELETE FROM job_count_deltas RETURNING user_id, type, status, n)
            INSERT INTO job_counts (user_id, type, status, n)
            SELECT user_id, type, status, sum(n) FROM moved GROUP BY 1, 2, 3
            ON CONFLICT (user_id, type, status) DO UPDATE SET n = job_counts.n + excluded.n""",
        )
        _run(conn, "vacuum analyze", "VACUUM (ANALYZE)")


def main() -> None:
    """Parse the arguments and load."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="seojobs_large", help="database to (re)create")
    parser.add_argument("--jobs", type=int, default=3_000_000, help="jobs to load")
    args = parser.parse_args()
    began = time.monotonic()
    load(args.db, args.jobs)
    print(f"loaded {args.jobs:,} jobs into {args.db} in {time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    main()
