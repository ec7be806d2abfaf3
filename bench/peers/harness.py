"""The measurement every peer shares: fresh databases, worker processes, polling for done.

A peer describes itself with :class:`Peer` (schema, bulk enqueue, worker command line and the SQL
that counts jobs done with their result stored); :func:`measure` runs two phases on it, each on its
own fresh database of the stack's PostgreSQL:

* end-to-end: the worker runs and has finished a warm-up; time from the first enqueue of ``jobs``
  no-op jobs to the moment all of them count as done;
* drain: ``jobs`` are enqueued first (this gives the enqueue rate), then the worker starts; time
  from its start to the last job done, and to the first (its start-up).

Peak RSS is the largest sum over the worker process trees, sampled every 0.2 s in both phases.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import LiteralString, Protocol

import psutil
import psycopg

from bench.peers.result import PeerError, PeerResult
from bench.stack import ROOT, fresh_database

log = logging.getLogger(__name__)

#: Jobs done before the end-to-end measure starts, so the worker is known to be up and warm.
WARMUP_JOBS = 10
#: Longest wait for one phase's jobs to be done before the peer fails.
DEFAULT_TIMEOUT_S = 600.0
#: Interval between two counts of done jobs.
POLL_S = 0.05
#: Interval between two RSS samples of the worker processes.
RSS_SAMPLE_S = 0.2
#: Time a worker gets to exit after SIGTERM before it is killed.
STOP_GRACE_S = 20.0
#: The table each peer's no-op job writes its result to (Celery keeps it in its result backend).
RESULTS_DDL = """CREATE TABLE bench_results (
    job_id bigint PRIMARY KEY,
    result text NOT NULL,
    done_at timestamptz NOT NULL DEFAULT clock_timestamp())"""


class Peer(Protocol):
    """What :func:`measure` needs to know about one job system."""

    name: str
    #: SQL returning one count: jobs whose status is done and whose result is stored.
    done_sql: LiteralString

    def setting(self, workers: int, concurrency: int) -> str:
        """How the workers run, for the table."""

    def setup(self, db_url: str) -> None:
        """Create the peer's schema (and the results table) in an empty database."""

    def enqueue(self, db_url: str, n: int) -> None:
        """Enqueue n no-op jobs, in bulk, as fast as the peer allows."""

    def worker_command(self, db_url: str, concurrency: int, index: int) -> tuple[list[str], dict[str, str]]:
        """argv and extra environment of worker process number ``index``."""


class Workers:
    """Worker processes of one phase; the peak RSS of their process trees, sampled in a thread."""

    def __init__(self, commands: Sequence[tuple[list[str], dict[str, str]]], log_dir: Path) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []
        self.peak_rss = 0
        self._stop = threading.Event()
        for i, (argv, extra) in enumerate(commands):
            path = log_dir / f"worker-{i}.log"
            env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **extra}
            with path.open("ab") as out:
                self.procs.append(
                    subprocess.Popen(
                        argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
                    )
                )
            self.logs.append(path)
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _tree_rss(self) -> int:
        total = 0
        for proc in self.procs:
            try:
                root = psutil.Process(proc.pid)
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
            for p in tree:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    continue
        return total

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_rss = max(self.peak_rss, self._tree_rss())
            self._stop.wait(RSS_SAMPLE_S)

    def check_alive(self) -> None:
        """Raise PeerError, with the end of its log, if a worker has exited."""
        for proc, path in zip(self.procs, self.logs, strict=True):
            if proc.poll() is not None:
                tail = path.read_text(errors="replace")[-1500:]
                raise PeerError(f"worker exited with code {proc.returncode}; log {path}:\n{tail}")

    def stop(self) -> None:
        """SIGTERM every worker, then SIGKILL whatever of their trees is still there."""
        self._stop.set()
        trees: list[psutil.Process] = []
        for proc in self.procs:
            with suppress(psutil.Error):
                trees += psutil.Process(proc.pid).children(recursive=True)
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for child in trees:
            with suppress(psutil.Error):
                child.kill()
        self._sampler.join()


@contextmanager
def running_workers(
    peer: Peer, db_url: str, workers: int, concurrency: int, log_dir: Path
) -> Iterator[Workers]:
    """Start ``workers`` worker processes of the peer; always stop them afterwards."""
    group = Workers([peer.worker_command(db_url, concurrency, i) for i in range(workers)], log_dir)
    try:
        yield group
    finally:
        group.stop()


def wait_done(
    conn: psycopg.Connection[tuple[int]], peer: Peer, n: int, timeout_s: float, workers: Workers
) -> tuple[float, float]:
    """Poll until n jobs are done; perf_counter times at which the first and the last were seen."""
    deadline = time.perf_counter() + timeout_s
    first = float("nan")
    done = 0
    while True:
        row = conn.execute(peer.done_sql).fetchone()
        done = row[0] if row else 0
        now = time.perf_counter()
        if done and math.isnan(first):
            first = now
        if done >= n:
            return first, now
        if now > deadline:
            raise PeerError(f"only {done}/{n} jobs done after {timeout_s:.0f} s")
        workers.check_alive()
        time.sleep(POLL_S)


def _connect(db_url: str) -> psycopg.Connection[tuple[int]]:
    return psycopg.connect(db_url, autocommit=True, connect_timeout=10)


def end_to_end(
    peer: Peer, jobs: int, workers: int, concurrency: int, timeout_s: float, log_dir: Path
) -> tuple[float, int]:
    """Seconds from the first enqueue to the last done with a warm worker; the workers' peak RSS."""
    with fresh_database(f"peer_{peer.name}") as db:
        peer.setup(db)
        with _connect(db) as conn, running_workers(peer, db, workers, concurrency, log_dir) as group:
            peer.enqueue(db, WARMUP_JOBS)
            wait_done(conn, peer, WARMUP_JOBS, timeout_s, group)
            start = time.perf_counter()
            peer.enqueue(db, jobs)
            _, last = wait_done(conn, peer, WARMUP_JOBS + jobs, timeout_s, group)
        return last - start, group.peak_rss


def drain(
    peer: Peer, jobs: int, workers: int, concurrency: int, timeout_s: float, log_dir: Path
) -> tuple[float, float, float, int]:
    """Enqueue jobs, then start the workers: enqueue jobs/s, drain s, start-up s, peak RSS."""
    with fresh_database(f"peer_{peer.name}") as db:
        peer.setup(db)
        start = time.perf_counter()
        peer.enqueue(db, jobs)
        enqueue_per_s = jobs / (time.perf_counter() - start)
        with _connect(db) as conn:
            start = time.perf_counter()
            with running_workers(peer, db, workers, concurrency, log_dir) as group:
                first, last = wait_done(conn, peer, jobs, timeout_s, group)
        return enqueue_per_s, last - start, first - start, group.peak_rss


def measure(
    peer: Peer, jobs: int, workers: int, concurrency: int, timeout_s: float = DEFAULT_TIMEOUT_S
) -> PeerResult:
    """Both phases on the peer; a failure becomes a result with ``error`` set, never an exception."""
    setting = peer.setting(workers, concurrency)
    log_dir = Path(tempfile.mkdtemp(prefix=f"peer-{peer.name}-"))
    try:
        log.info("%s: end-to-end, %d jobs (worker logs in %s)", peer.name, jobs, log_dir)
        e2e_s, rss_e2e = end_to_end(peer, jobs, workers, concurrency, timeout_s, log_dir)
        log.info("%s: drain, %d jobs", peer.name, jobs)
        enqueue_per_s, drain_s, startup_s, rss_drain = drain(
            peer, jobs, workers, concurrency, timeout_s, log_dir
        )
    except Exception as exc:  # one peer failing must not lose the others' figures
        log.exception("%s failed", peer.name)
        return PeerResult(peer.name, setting, jobs, error=f"{type(exc).__name__}: {exc}".splitlines()[0])
    return PeerResult(
        peer.name,
        setting,
        jobs,
        enqueue_per_s=enqueue_per_s,
        end_to_end_s=e2e_s,
        drain_s=drain_s,
        startup_s=startup_s,
        peak_rss_bytes=max(rss_e2e, rss_drain),
    )


def create_results_table(db_url: str) -> None:
    """The table the no-op job writes its result to."""
    with _connect(db_url) as conn:
        conn.execute(RESULTS_DDL)
