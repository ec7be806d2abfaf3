"""procrastinate 3.10 as a peer: jobs in PostgreSQL, worker with async concurrency.

A job is done when ``procrastinate_jobs.status`` is 'succeeded' and its row is in
``bench_results`` (procrastinate stores no return value, so the job writes one).
"""

from __future__ import annotations

import asyncio
import sys
from typing import LiteralString

from procrastinate.tasks import configure_task

from bench.peers import procrastinate_worker
from bench.peers.harness import DEFAULT_TIMEOUT_S, create_results_table, measure
from bench.peers.result import PeerResult

#: Jobs a worker runs at once (async, in one process): enough to hide each job's round trips.
DEFAULT_CONCURRENCY = 10
#: Jobs deferred by one ``batch_defer_async`` call (one INSERT ... SELECT unnest(...)).
BATCH = 1000


class ProcrastinatePeer:
    """procrastinate with the psycopg 3 connector."""

    name = "procrastinate"
    done_sql: LiteralString = (
        "SELECT count(*) FROM procrastinate_jobs j"
        " JOIN bench_results r ON r.job_id = j.id WHERE j.status = 'succeeded'"
    )

    def setting(self, workers: int, concurrency: int) -> str:
        """How the workers run."""
        return f"{workers} worker, --concurrency={concurrency}"

    def setup(self, db_url: str) -> None:
        """procrastinate's schema and the results table."""

        async def apply() -> None:
            app = procrastinate_worker.app.with_connector(procrastinate_worker.connector(db_url))
            async with app.open_async():
                await app.schema_manager.apply_schema_async()

        asyncio.run(apply())
        create_results_table(db_url)

    def enqueue(self, db_url: str, n: int) -> None:
        """``batch_defer_async`` in batches of BATCH."""

        async def defer() -> None:
            app = procrastinate_worker.app.with_connector(procrastinate_worker.connector(db_url))
            async with app.open_async():
                # By name on this app's job manager: the registered Task is bound to the module's app.
                task = configure_task(name=procrastinate_worker.TASK, job_manager=app.job_manager)
                for i in range(0, n, BATCH):
                    await task.batch_defer_async(*({} for _ in range(min(BATCH, n - i))))

        asyncio.run(defer())

    def worker_command(self, db_url: str, concurrency: int, index: int) -> tuple[list[str], dict[str, str]]:
        """``procrastinate worker``."""
        argv = [
            sys.executable,
            "-m",
            "procrastinate",
            "--log-level=warning",
            "--app=bench.peers.procrastinate_worker.app",
            "worker",
            f"--name=peer{index}",
            f"--concurrency={concurrency}",
        ]
        return argv, {"PEER_DB_URL": db_url}


def run(
    jobs: int, workers: int = 1, concurrency: int = DEFAULT_CONCURRENCY, timeout_s: float = DEFAULT_TIMEOUT_S
) -> PeerResult:
    """Measure procrastinate on ``jobs`` no-op jobs."""
    return measure(ProcrastinatePeer(), jobs, workers, concurrency, timeout_s)
