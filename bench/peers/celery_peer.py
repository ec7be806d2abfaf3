"""Celery 5.7 as a peer: Redis broker (Debian's redis-server), database result backend on PostgreSQL.

A job is done when its row in ``celery_taskmeta`` (SQLAlchemy over psycopg 3, in the run's own
database) has status SUCCESS and the task's return value stored.
"""

from __future__ import annotations

import sys
from typing import LiteralString

import redis
from celery import Celery

from bench.peers.celery_worker import TASK, make_app
from bench.peers.harness import DEFAULT_TIMEOUT_S, measure
from bench.peers.redis_server import redis_server
from bench.peers.result import PeerError, PeerResult

#: Prefork children per worker: Celery's default (one per core on this 2-core machine). The thread
#: pool would be no better: the database backend then opens a new connection for every result.
DEFAULT_CONCURRENCY = 2


def result_url(db_url: str) -> str:
    """The result backend URL of a libpq URL (SQLAlchemy's psycopg 3 dialect)."""
    return "db+postgresql+psycopg://" + db_url.split("://", 1)[1]


class CeleryPeer:
    """Celery against the broker at ``broker_url``."""

    name = "celery"
    done_sql: LiteralString = (
        "SELECT count(*) FROM celery_taskmeta WHERE status = 'SUCCESS' AND result IS NOT NULL"
    )

    def __init__(self, broker_url: str) -> None:
        self.broker_url = broker_url
        self._apps: dict[str, Celery] = {}

    def _app(self, db_url: str) -> Celery:
        if db_url not in self._apps:
            self._apps[db_url] = make_app(self.broker_url, result_url(db_url))
        return self._apps[db_url]

    def setting(self, workers: int, concurrency: int) -> str:
        """How the workers run."""
        return f"{workers} worker, prefork -c {concurrency}, prefetch x4"

    def setup(self, db_url: str) -> None:
        """Empty the broker; let the backend create its tables."""
        client = redis.Redis.from_url(self.broker_url)
        try:
            client.flushdb()
        finally:
            client.close()
        self._app(db_url).backend.ResultSession().close()

    def enqueue(self, db_url: str, n: int) -> None:
        """``apply_async`` n times over one producer (Celery has no bulk send)."""
        app = self._app(db_url)
        task = app.tasks[TASK]
        with app.producer_or_acquire() as producer:
            for _ in range(n):
                task.apply_async(producer=producer)

    def worker_command(self, db_url: str, concurrency: int, index: int) -> tuple[list[str], dict[str, str]]:
        """``celery worker`` with the prefork pool."""
        argv = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bench.peers.celery_worker",
            "worker",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"peer{index}@%h",
        ]
        return argv, {"PEER_BROKER_URL": self.broker_url, "PEER_RESULT_URL": result_url(db_url)}

    def close(self) -> None:
        """Close the driver's apps (their broker and database connections)."""
        for app in self._apps.values():
            app.close()
        self._apps.clear()


def run(
    jobs: int, workers: int = 1, concurrency: int = DEFAULT_CONCURRENCY, timeout_s: float = DEFAULT_TIMEOUT_S
) -> PeerResult:
    """Measure Celery on ``jobs`` no-op jobs, with a private Redis started and stopped here."""
    try:
        with redis_server() as url:
            peer = CeleryPeer(f"{url}/0")
            try:
                return measure(peer, jobs, workers, concurrency, timeout_s)
            finally:
                peer.close()
    except PeerError as exc:
        return PeerResult("celery", f"{workers} worker, prefork -c {concurrency}", jobs, error=str(exc))
