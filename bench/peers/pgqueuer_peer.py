"""pgqueuer 1.6 as a peer: jobs in PostgreSQL, worker and enqueue on asyncpg (see pgqueuer_worker).

A job is done when ``pgqueuer_log`` has its 'successful' row (pgqueuer deletes the queue row then)
and its row is in ``bench_results`` (pgqueuer stores no return value, so the job writes one).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import LiteralString

import asyncpg
from pgqueuer import Queries

from bench.peers.harness import DEFAULT_TIMEOUT_S, create_results_table, measure
from bench.peers.pgqueuer_worker import TASK
from bench.peers.result import PeerResult

#: Jobs one dequeue picks (``--batch-size``); they run concurrently in the worker's event loop.
DEFAULT_CONCURRENCY = 10
#: Jobs inserted by one ``Queries.enqueue`` call with lists (one statement).
BATCH = 1000


@asynccontextmanager
async def _queries(db_url: str) -> AsyncIterator[Queries]:
    conn = await asyncpg.connect(db_url)
    try:
        yield Queries.from_asyncpg_connection(conn)
    finally:
        await conn.close()


class PgqueuerPeer:
    """pgqueuer with the asyncpg driver."""

    name = "pgqueuer"
    done_sql: LiteralString = (
        "SELECT count(*) FROM pgqueuer_log l"
        " JOIN bench_results r ON r.job_id = l.job_id WHERE l.status = 'successful'"
    )

    def setting(self, workers: int, concurrency: int) -> str:
        """How the workers run."""
        return f"{workers} worker, --batch-size={concurrency}"

    def setup(self, db_url: str) -> None:
        """pgqueuer's schema (``pgq install``) and the results table."""

        async def install() -> None:
            async with _queries(db_url) as queries:
                await queries.install()

        asyncio.run(install())
        create_results_table(db_url)

    def enqueue(self, db_url: str, n: int) -> None:
        """``Queries.enqueue`` with lists, BATCH jobs a statement."""

        async def enqueue() -> None:
            async with _queries(db_url) as queries:
                for i in range(0, n, BATCH):
                    size = min(BATCH, n - i)
                    await queries.enqueue([TASK] * size, [None] * size, [0] * size)

        asyncio.run(enqueue())

    def worker_command(self, db_url: str, concurrency: int, index: int) -> tuple[list[str], dict[str, str]]:
        """``pgqueuer.run`` on the factory (see pgqueuer_worker for why not ``pgq run``)."""
        argv = [sys.executable, "-m", "bench.peers.pgqueuer_worker", f"--batch-size={concurrency}"]
        return argv, {"PEER_DB_URL": db_url}


def run(
    jobs: int, workers: int = 1, concurrency: int = DEFAULT_CONCURRENCY, timeout_s: float = DEFAULT_TIMEOUT_S
) -> PeerResult:
    """Measure pgqueuer on ``jobs`` no-op jobs."""
    return measure(PgqueuerPeer(), jobs, workers, concurrency, timeout_s)
