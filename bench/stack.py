"""What one benchmark needs around it: a fresh database, 12-partition topics, service processes."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import psycopg

from seojobs.adapters.db.migrate import upgrade
from seojobs.adapters.kafka.admin import delete_topics, ensure_topics
from seojobs.settings import DEFAULT_PG_PORT, Settings

ROOT = Path(__file__).resolve().parents[1]
#: The PostgreSQL server of the native stack (superuser seojobs).
PG = f"postgresql://seojobs:seojobs@127.0.0.1:{DEFAULT_PG_PORT}"
#: Partitions of every topic a benchmark creates (the scaling figure needs room for 4 workers).
PARTITIONS = 12
#: The port the benchmark's API listens on (inside the range this tool may use).
API_PORT = 18410
#: How long deleting a run's topics may take before the benchmark gives up on it, seconds.
DROP_TOPICS_TIMEOUT_S = 60.0
#: What ``python -m`` runs for each service.
MODULES = {
    "api": ["services.api"],
    "relay": ["services.relay"],
    "projector": ["services.projector"],
    "maintenance": ["services.maintenance", "worker"],
    "crawler": ["services.crawler", "worker"],
}


@contextmanager
def fresh_database(prefix: str = "bench") -> Iterator[str]:
    """A new empty database (dropped afterwards); yields its libpq URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{PG}/{name}"
    finally:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def bench_settings(database_url: str) -> Settings:
    """Settings of one run: migrated database, own topic prefix with 12-partition topics."""
    url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
    upgrade(url)
    settings = Settings(
        database_url=url,
        topic_prefix=f"bench{uuid.uuid4().hex[:8]}.",
        scheduler_enabled=False,
        bench_enabled=True,
        relay_poll_interval_s=0.2,
        worker_concurrency=PARTITIONS,
        api_port=API_PORT,
        cron_secret="bench",
    )
    specs = [
        dataclasses.replace(s, partitions=PARTITIONS) for s in settings.topics.all_specs(settings.retry_steps)
    ]
    asyncio.run(ensure_topics(settings.kafka_bootstrap_servers, specs))
    return settings


def drop_topics(settings: Settings) -> None:
    """Delete the run's own topics: a broker keeps files open for every partition, and a run's
    hundred-odd partitions left behind by each run end in "Too many open files"."""
    try:
        asyncio.run(
            asyncio.wait_for(
                delete_topics(settings.kafka_bootstrap_servers, settings.topic_prefix), DROP_TOPICS_TIMEOUT_S
            )
        )
    except TimeoutError:
        print(
            f"warning: the run's topics ({settings.topic_prefix}*) were not deleted within "
            f"{DROP_TOPICS_TIMEOUT_S:.0f} s",
            file=sys.stderr,
        )


class Services:
    """Service processes of one run, with their peak RSS sampled every 0.2 s."""

    def __init__(self, settings: Settings, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.env = {
            **os.environ,
            "DATABASE_URL": settings.database_url,
            "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
            "SEOJOBS_TOPIC_PREFIX": settings.topic_prefix,
            "SEOJOBS_BENCH_ENABLED": "true",
            "SEOJOBS_SCHEDULER_ENABLED": "false",
            "SEOJOBS_RELAY_POLL_INTERVAL_S": "0.2",
            "SEOJOBS_WORKER_CONCURRENCY": str(PARTITIONS),
            "SEOJOBS_API_PORT": str(API_PORT),
            "CRON_SECRET": "bench",
            "PYTHONPATH": str(ROOT),
        }
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.peak_rss: dict[str, int] = {}
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def start(self, name: str, instance: int = 0) -> None:
        """Start one instance of a service."""
        key = f"{name}-{instance}"
        with (self.log_dir / f"{key}.log").open("ab") as log:
            self.procs[key] = subprocess.Popen(
                [sys.executable, "-m", *MODULES[name]],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            for key, proc in list(self.procs.items()):
                try:  # the process and its children (a worker runs under its keeper)
                    parent = psutil.Process(proc.pid)
                    rss = sum(p.memory_info().rss for p in [parent, *parent.children(recursive=True)])
                except psutil.Error:
                    continue
                self.peak_rss[key] = max(self.peak_rss.get(key, 0), rss)

    def stop_all(self) -> None:
        """SIGTERM every process, SIGKILL what lingers."""
        self._stop.set()
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()
