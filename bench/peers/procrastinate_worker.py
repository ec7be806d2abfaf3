"""The procrastinate app the worker runs: one no-op task that stores its result in ``bench_results``.

The worker process gets its database from ``PEER_DB_URL`` (set by the harness); the driver uses
:meth:`procrastinate.App.with_connector` to point the same app at the run's database.
"""

from __future__ import annotations

import os

import procrastinate

#: The name the no-op task is registered and deferred under.
TASK = "peer.noop"
#: What the no-op job stores as its result.
RESULT = "ok"
#: Connections of the worker's pool: one per concurrent job plus the worker's own (fetch, listen).
POOL_MAX_SIZE = 16
#: The no-op job's result, written in the job itself: procrastinate keeps no return values.
STORE_RESULT = "INSERT INTO bench_results (job_id, result) VALUES (%(job_id)s, %(result)s)"


def connector(db_url: str) -> procrastinate.PsycopgConnector:
    """A psycopg 3 connector on ``db_url``."""
    return procrastinate.PsycopgConnector(conninfo=db_url, min_size=1, max_size=POOL_MAX_SIZE)


async def noop(context: procrastinate.JobContext) -> None:
    """The no-op job."""
    await context.app.connector.execute_query_async(STORE_RESULT, job_id=context.job.id, result=RESULT)


app = procrastinate.App(connector=connector(os.environ.get("PEER_DB_URL", "")))
app.task(name=TASK, pass_context=True)(noop)
