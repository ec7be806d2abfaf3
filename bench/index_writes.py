"""Index entries written per change of a job's row, on the schema before and after the index review.

    PYTHONPATH=. .venv/bin/python -m bench.index_writes

Two fresh databases, one at revision 0005 (before) and one at head. A job goes through its life
with the statements the services use (enqueue insert, the dispatcher's mark, the projector's
started / progress / completed); each step runs in a transaction that reads the table's own
counters (pg_stat_xact_user_tables), so it knows whether the update was HOT. A HOT update writes
no index entry; any other write adds one entry to every index whose predicate the new row version
satisfies, which the step then counts.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bench.stack import fresh_database
from seojobs.adapters.db import queries as q
from seojobs.adapters.db.engine import make_engine
from seojobs.adapters.db.job_store import insert_job
from seojobs.adapters.db.migrate import upgrade
from seojobs.domain.events import STARTED_STEP, TERMINAL_STEP, EventType, JobEvent, event_seq
from seojobs.domain.jobs import JobType
from seojobs.domain.requests import NewJob
from seojobs.domain.topics import Topics
from seojobs.pipeline.projection_store import apply_batch

COUNTERS = text(
    "SELECT n_tup_ins, n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'jobs'"
)
INDEXES = text("""
    SELECT indexrelid::regclass::text, coalesce(pg_get_expr(indpred, indrelid), 'true')
    FROM pg_index WHERE indrelid = 'jobs'::regclass ORDER BY 1
""")

Step = Callable[[AsyncConnection, uuid.UUID], Awaitable[object]]


def _event(kind: EventType, job_id: uuid.UUID, step: int, **payload: object) -> list[JobEvent]:
    return [JobEvent(kind, str(job_id), JobType.CRAWL_SITE.value, 1, event_seq(0, 1, step), dict(payload))]


STEPS: list[tuple[str, Step]] = [
    (
        "enqueue (insert)",
        lambda c, j: insert_job(
            c,
            Topics(""),
            NewJob(JobType.CRAWL_SITE, {"maxPages": 10}, 5, 3, job_id=j, idempotency_key=f"key-{j}"),
        ),
    ),
    ("dispatched (dispatcher)", lambda c, j: c.execute(q.MARK_DISPATCHED, {"ids": [j]})),
    (
        "PENDING -> PROCESSING (job.started)",
        lambda c, j: apply_batch(c, _event(EventType.STARTED, j, STARTED_STEP)),
    ),
    (
        "progress 50 (job.progress)",
        lambda c, j: apply_batch(c, _event(EventType.PROGRESS, j, STARTED_STEP + 1, progress=50)),
    ),
    (
        "PROCESSING -> COMPLETED (job.completed)",
        lambda c, j: apply_batch(c, _event(EventType.COMPLETED, j, TERMINAL_STEP, result={"pages": 10})),
    ),
]


async def measure(url: str) -> tuple[int, list[tuple[str, bool, int, list[str]]]]:
    """(indexes on jobs, per step: name, HOT?, entries written, indexes written)."""
    engine = make_engine(url, pool_size=1)
    job_id = uuid.uuid4()
    out = []
    try:
        async with engine.connect() as conn:
            indexes = [(r[0], r[1]) for r in (await conn.execute(INDEXES)).all()]
        for name, step in STEPS:
            async with engine.begin() as conn:
                before = (await conn.execute(COUNTERS)).one()
                await step(conn, job_id)
                after = (await conn.execute(COUNTERS)).one()
                hot = after[2] > before[2]
                written = []
                if not hot:
                    for index, predicate in indexes:
                        probe = text(f"SELECT count(*) FROM jobs WHERE id = :id AND ({predicate})")
                        matches = (await conn.execute(probe, {"id": job_id})).scalar_one()
                        if matches:
                            written.append(index)
            out.append((name, hot, len(written), written))
    finally:
        await engine.dispose()
    return len(indexes), out


def main() -> None:
    """Measure both schemas and print them side by side."""
    results = {}
    for label, revision in (("before (0005)", "0005"), ("after (head)", "head")):
        with fresh_database("idxw") as url:
            sa_url = "postgresql+psycopg://" + url.split("://", 1)[1]
            upgrade(sa_url, revision)
            results[label] = asyncio.run(measure(sa_url))
    for label, (count, steps) in results.items():
        total = sum(s[2] for s in steps)
        print(f"{label}: {count} indexes on jobs; {total} index entries over the job's five writes")
        for name, hot, n, written in steps:
            print(f"  {name}: {'HOT, ' if hot else ''}{n} index entries  {', '.join(written)}")


if __name__ == "__main__":
    main()
