"""The pgqueuer worker: ``python -m bench.peers.pgqueuer_worker [--batch-size 10]``.

One no-op entrypoint that stores its result in ``bench_results``; the database comes from
``PEER_DB_URL`` (set by the harness). pgqueuer runs on asyncpg, its default driver: its psycopg
driver shares one connection between LISTEN and queries, and with psycopg 3.3 ``notifies()``
holds that connection's lock for up to 1 s, so every query waits (measured: ~20 jobs/s).
The worker calls ``pgqueuer.run`` (what ``pgq run`` calls) because ``pgq run`` of pgqueuer 1.6
fails at start with the pinned typer (``setup_fancy_logger`` gets the level as a str).
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pgqueuer
from pgqueuer import Job, PgQueuer
from pgqueuer.models import Context

#: The entrypoint the no-op jobs are enqueued to.
TASK = "peer.noop"
#: What the no-op job stores as its result.
RESULT = "ok"
#: Connections the jobs use to store their results (the queue has its own).
POOL_MAX_SIZE = 16
#: The no-op job's result, written in the job itself: pgqueuer keeps no return values.
STORE_RESULT = "INSERT INTO bench_results (job_id, result) VALUES ($1, $2)"


async def noop(job: Job, ctx: Context) -> None:
    """The no-op job."""
    pool = ctx.resources["results"]
    assert isinstance(pool, asyncpg.Pool)
    async with pool.acquire() as conn:
        await conn.execute(STORE_RESULT, job.id, RESULT)


@asynccontextmanager
async def create_pgqueuer() -> AsyncIterator[PgQueuer]:
    """A PgQueuer on its own asyncpg connection, with a pool for the results."""
    db_url = os.environ["PEER_DB_URL"]
    conn = await asyncpg.connect(db_url)
    try:
        async with asyncpg.create_pool(db_url, min_size=1, max_size=POOL_MAX_SIZE) as pool:
            pgq = PgQueuer.from_asyncpg_connection(conn, resources={"results": pool})
            pgq.entrypoint(TASK, accepts_context=True)(noop)
            yield pgq
    finally:
        await conn.close()


def main() -> None:
    """Run the worker until SIGTERM."""
    parser = argparse.ArgumentParser(description="pgqueuer worker of the peer benchmark")
    parser.add_argument("--batch-size", type=int, default=10, help="jobs one dequeue picks")
    args = parser.parse_args()
    asyncio.run(pgqueuer.run(create_pgqueuer, batch_size=args.batch_size))


if __name__ == "__main__":
    main()
