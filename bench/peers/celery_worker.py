"""The Celery app the worker runs: Redis broker, the database result backend, one no-op task.

The worker process gets its URLs from the environment the harness sets
(``PEER_BROKER_URL``, ``PEER_RESULT_URL``); the driver builds its own app with :func:`make_app`.
"""

from __future__ import annotations

import os

from celery import Celery

#: The name the no-op task is registered and sent under.
TASK = "peer.noop"
#: What the no-op job returns: the result Celery's backend stores.
RESULT = "ok"


def noop() -> str:
    """The no-op job."""
    return RESULT


def make_app(broker_url: str, result_url: str) -> Celery:
    """A Celery app with the no-op task, sending to ``broker_url`` and storing in ``result_url``."""
    app = Celery("peer", broker=broker_url, backend=result_url)
    app.conf.update(
        task_ignore_result=False,
        broker_connection_retry_on_startup=True,
        # Give up publishing quickly instead of hanging when the broker is gone.
        task_publish_retry_policy={"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5},
        worker_hijack_root_logger=False,
    )
    app.task(name=TASK)(noop)
    return app


app = make_app(
    os.environ.get("PEER_BROKER_URL", "redis://127.0.0.1:16379/0"),
    os.environ.get("PEER_RESULT_URL", "cache+memory://"),
)
