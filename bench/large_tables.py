"""The read paths, the dispatcher's queries and the daily cleanup on a large jobs table.

    PYTHONPATH=. .venv/bin/python -m bench.large_load --db seojobs_large      # 3,000,000 jobs first
    PYTHONPATH=. .venv/bin/python -m bench.large_tables --db seojobs_large [--no-cleanup]

Prints p50/p99/max of stats, status by id and list pages (keyset cursor, with filters), the
execution time of each dispatcher statement under EXPLAIN ANALYZE, then runs the daily cleanup's
delete in batches while an enqueue and a projector write run beside it every 20 ms, and prints
how long those waited, the longest batch, and the dead tuples before and after autovacuum.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.large_cleanup import cleanup_under_load
from bench.stack import PG
from seojobs.adapters.db import queries as q
from seojobs.adapters.db.engine import make_engine
from seojobs.adapters.db.job_reads import JobFilter, job_stats, list_page, read_job
from seojobs.domain.jobs import JobStatus, JobType

#: Calls each read figure is taken over.
CALLS = 300


def summary(name: str, ms: list[float]) -> str:
    """One line: p50, p99 and max of a list of milliseconds."""
    ms = sorted(ms)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return (
        f"{name}: p50 {statistics.median(ms):.2f} ms, p99 {p99:.2f} ms, max {ms[-1]:.2f} ms ({len(ms)} calls)"
    )


async def timed(call: Callable[[], Awaitable[Any]], n: int) -> list[float]:
    """Milliseconds each of n calls took."""
    out = []
    for _ in range(n):
        began = time.perf_counter()
        await call()
        out.append((time.perf_counter() - began) * 1000)
    return out


async def sample(engine: AsyncEngine, sql: str, n: int) -> list[Any]:
    """n random values of a one-column query."""
    async with engine.connect() as conn:
        rows = [tuple(r) if len(r) > 1 else r[0] for r in (await conn.execute(text(sql))).all()]
    return random.sample(rows, min(n, len(rows)))


async def reads(engine: AsyncEngine) -> None:
    """Stats, status by id and list pages."""
    users = await sample(engine, "SELECT id FROM users", 50)
    jobs = await sample(engine, "SELECT id, user_id FROM jobs TABLESAMPLE SYSTEM (0.1)", CALLS)
    sites = await sample(engine, "SELECT id FROM sites", 50)
    await timed(lambda: job_stats(engine, users[0]), 20)  # warm the pool and the plans
    print(summary("stats of one user", await timed(lambda: job_stats(engine, random.choice(users)), CALLS)))
    print(summary("stats of every job (admin)", await timed(lambda: job_stats(engine, None), CALLS)))
    picks = iter(jobs * 2)

    async def status() -> None:
        job_id, user_id = next(picks)
        await read_job(engine, job_id, user_id)

    print(summary("status by id", await timed(status, CALLS)))
    day = "now() - interval '10 days'"
    async with engine.connect() as conn:
        since, until = (await conn.execute(text(f"SELECT {day}, {day} + interval '1 day'"))).one()
    cases: list[tuple[str, Callable[[], JobFilter]]] = [
        ("user, no filter", lambda: JobFilter(random.choice(users))),
        ("user, type", lambda: JobFilter(random.choice(users), JobType.ANALYZE_SITE)),
        ("user, status FAILED", lambda: JobFilter(random.choice(users), status=JobStatus.FAILED)),
        ("user, status PROCESSING", lambda: JobFilter(random.choice(users), status=JobStatus.PROCESSING)),
        (
            "user, type + status",
            lambda: JobFilter(random.choice(users), JobType.CRAWL_SITE, JobStatus.CANCELLED),
        ),
        ("user, one day", lambda: JobFilter(random.choice(users), since=since, until=until)),
        ("site (admin)", lambda: JobFilter(site_id=random.choice(sites))),
        ("admin, no filter", lambda: JobFilter()),
        ("admin, type + status", lambda: JobFilter(job_type=JobType.SYNC_METRICS, status=JobStatus.FAILED)),
        ("admin, status PENDING", lambda: JobFilter(status=JobStatus.PENDING)),
        ("admin, one day", lambda: JobFilter(since=since, until=until)),
    ]
    for name, make in cases:
        ms: list[float] = []
        for _ in range(20):  # 20 walks of up to 5 pages of 50, each page after the last one's cursor
            f = make()
            for _page in range(5):
                began = time.perf_counter()
                _rows, cursor = await list_page(engine, f, 50)
                ms.append((time.perf_counter() - began) * 1000)
                if cursor is None:
                    break
                f = JobFilter(f.user_id, f.job_type, f.status, f.site_id, f.since, f.until, cursor)
        print(summary(f"list page, {name}", ms))


async def dispatcher_plans(engine: AsyncEngine) -> None:
    """EXPLAIN ANALYZE of each dispatcher statement (the writes in a transaction rolled back)."""
    types, lo, hi = [JobType.ANALYZE_SITE.value], 4, 7  # the analyzer's medium lane
    async with engine.connect() as conn:
        inflight = (await conn.execute(q.INFLIGHT_BY_USER, {"types": types, "lo": lo, "hi": hi})).all()
    busy = {"busy_users": [r[0] for r in inflight], "busy_counts": [int(r[1]) for r in inflight]}
    statements: list[tuple[str, Any, dict[str, Any]]] = [
        ("due lanes", q.DUE_LANES, {}),
        ("in flight per user", q.INFLIGHT_BY_USER, {"types": types, "lo": lo, "hi": hi}),
        (
            "release a lane (32: choose, lock, mark)",
            q.RELEASE_LANE,
            {"types": types, "lo": lo, "hi": hi, "limit": 32, "unpublished_first": True, **busy},
        ),
        ("doomed dependents", q.DOOMED_DEPENDENTS, {"limit": 100}),
        ("next due", q.NEXT_DUE, {}),
    ]
    for name, statement, params in statements:
        async with engine.connect() as conn:
            plan = [
                r[0]
                for r in (
                    await conn.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + statement.text), params)
                ).all()
            ]
            await conn.rollback()
        took = next((line for line in plan if line.startswith("Execution Time")), "?")
        first_scan = next((line.strip() for line in plan if " on jobs" in line), plan[0].strip())
        print(f"dispatcher, {name}: {took}; {first_scan[:160]}")


async def run(db: str, cleanup: bool) -> None:
    """Every figure, in order."""
    engine = make_engine(f"postgresql+psycopg://{PG.split('://', 1)[1]}/{db}", pool_size=8)
    try:
        async with engine.connect() as conn:
            n = (
                await conn.execute(text("SELECT reltuples::bigint FROM pg_class WHERE relname = 'jobs'"))
            ).scalar()
        print(f"jobs table: about {n:,} rows")
        await reads(engine)
        await dispatcher_plans(engine)
        if cleanup:
            await cleanup_under_load(engine)
    finally:
        await engine.dispose()


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="seojobs_large", help="the loaded database")
    parser.add_argument("--no-cleanup", action="store_true", help="skip the cleanup run")
    args = parser.parse_args()
    random.seed(16)
    asyncio.run(run(args.db, not args.no_cleanup))


if __name__ == "__main__":
    main()
