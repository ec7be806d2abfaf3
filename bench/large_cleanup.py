"""The daily cleanup on a large jobs table, with an enqueue and a projector write beside it.

The cleanup is the maintenance job's own statement (``DELETE_COMPLETED_JOBS``, batches of
``maintenance_batch_size`` rows, each its own transaction), with the cutoff set so that 1,000,000
completed jobs are older than it. Every 20 ms an enqueue (a crawl through QueueService, the API's
path) and a projector batch (job.started and job.completed of the last enqueued job, through
apply_batch) run, each timed: a lock the cleanup holds would show as their wait.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db.job_reads import fold_job_counts
from seojobs.domain.events import STARTED_STEP, TERMINAL_STEP, EventType, JobEvent, event_seq
from seojobs.domain.jobs import JobType
from seojobs.domain.topics import Topics
from seojobs.maintenance import queries as mq
from seojobs.pipeline.projection_store import apply_batch
from seojobs.queue_service import QueueService
from seojobs.settings import Settings

#: Old jobs the run deletes.
TO_DELETE = 1_000_000
#: Pause between two probes of each kind, seconds.
PROBE_EVERY_S = 0.02
#: How long to wait for autovacuum after the cleanup, seconds.
VACUUM_WAIT_S = 300

DEAD_TUPLES = text("""
    SELECT n_live_tup, n_dead_tup, last_autovacuum, autovacuum_count FROM pg_stat_user_tables
    WHERE relname = 'jobs'
""")


def _line(name: str, ms: list[float]) -> str:
    ms = sorted(ms) or [0.0]
    return (
        f"{name}: p50 {ms[len(ms) // 2]:.1f} ms, p99 {ms[min(len(ms) - 1, int(len(ms) * 0.99))]:.1f} ms, "
        f"max {ms[-1]:.1f} ms ({len(ms)} calls)"
    )


WAITS = text("""
    SELECT pid, wait_event_type || ':' || wait_event FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type IS NOT NULL
      AND wait_event_type NOT IN ('Client', 'Activity')
""")


class WaitWatch:
    """Samples what this database's backends wait on every 10 ms; the longest run of samples in
    which one backend waited on a lock (another transaction's row or table lock) is a block."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.events: dict[str, int] = {}
        self.longest_lock_ms = 0.0
        self.longest_lock = "none"
        self.stopping = asyncio.Event()

    async def run(self) -> None:
        """Sample until stopped."""
        since: dict[int, float] = {}
        async with self.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            while not self.stopping.is_set():
                now = time.perf_counter()
                locked = set()
                for pid, event in (await conn.execute(WAITS)).all():
                    self.events[event] = self.events.get(event, 0) + 1
                    if event.startswith("Lock:"):
                        locked.add(pid)
                        waited = (now - since.setdefault(pid, now)) * 1000
                        if waited > self.longest_lock_ms:
                            self.longest_lock_ms, self.longest_lock = waited, event
                since = {pid: t for pid, t in since.items() if pid in locked}
                await asyncio.sleep(0.01)

    def line(self) -> str:
        """The longest lock wait and the commonest wait events."""
        top = sorted(self.events.items(), key=lambda kv: -kv[1])[:6]
        common = ", ".join(f"{e} {n}" for e, n in top)
        return (
            f"waits sampled every 10 ms: longest lock wait {self.longest_lock_ms:.0f} ms "
            f"({self.longest_lock}); events: {common}"
        )


class Probes:
    """An enqueue and a projector write every PROBE_EVERY_S, each timed, until stopped."""

    def __init__(self, engine: AsyncEngine, user: uuid.UUID, site: uuid.UUID) -> None:
        self.engine = engine
        self.queue = QueueService(engine, Topics("bench16."), one_crawl_per_site=False)
        self.user, self.site = user, site
        self.enqueue_ms: list[float] = []
        self.project_ms: list[float] = []
        self.stopping = asyncio.Event()

    async def _enqueue_loop(self, jobs: asyncio.Queue[str]) -> None:
        payload = {"siteId": str(self.site), "userId": str(self.user), "maxPages": 10}
        while not self.stopping.is_set():
            began = time.perf_counter()
            result = await self.queue.submit(
                JobType.CRAWL_SITE, payload, user_id=self.user, site_id=self.site
            )
            self.enqueue_ms.append((time.perf_counter() - began) * 1000)
            jobs.put_nowait(str(result.job_id))
            await asyncio.sleep(PROBE_EVERY_S)

    async def _project_loop(self, jobs: asyncio.Queue[str]) -> None:
        while not self.stopping.is_set():
            job_id = await jobs.get()
            kind = JobType.CRAWL_SITE.value
            events = [
                JobEvent(EventType.STARTED, job_id, kind, 1, event_seq(0, 1, STARTED_STEP)),
                JobEvent(
                    EventType.COMPLETED,
                    job_id,
                    kind,
                    1,
                    event_seq(0, 1, TERMINAL_STEP),
                    {"result": {"pages": 1}},
                ),
            ]
            began = time.perf_counter()
            async with self.engine.begin() as conn:
                await apply_batch(conn, events)
            self.project_ms.append((time.perf_counter() - began) * 1000)
            await asyncio.sleep(PROBE_EVERY_S)

    async def run(self) -> None:
        """Probe until stopped."""
        jobs: asyncio.Queue[str] = asyncio.Queue()
        await asyncio.gather(self._enqueue_loop(jobs), self._project_loop(jobs))


async def _probe(engine: AsyncEngine, user: uuid.UUID, site: uuid.UUID, work: Any) -> tuple[Probes, Any]:
    probes = Probes(engine, user, site)
    watch = WaitWatch(engine)
    tasks = [asyncio.create_task(probes.run()), asyncio.create_task(watch.run())]
    try:
        result = await work()
    finally:
        probes.stopping.set()
        watch.stopping.set()
        await asyncio.gather(*tasks)
    print(watch.line())
    return probes, result


async def cleanup_under_load(engine: AsyncEngine) -> None:
    """Baseline probes, then the cleanup with probes, then autovacuum."""
    batch = Settings().maintenance_batch_size
    async with engine.begin() as conn:
        user, site = (await conn.execute(text("SELECT user_id, id FROM sites LIMIT 1"))).one()
        await conn.execute(text("UPDATE users SET plan = 'enterprise' WHERE id = :u"), {"u": user})
        cutoff = (
            await conn.execute(
                text(
                    "SELECT completed_at FROM jobs WHERE status = 'COMPLETED' ORDER BY completed_at "
                    f"OFFSET {TO_DELETE} LIMIT 1"
                )
            )
        ).scalar_one()
    base, _ = await _probe(engine, user, site, lambda: asyncio.sleep(5))
    print(_line("enqueue alone (5 s)", base.enqueue_ms))
    print(_line("projector write alone (5 s)", base.project_ms))
    batch_ms: list[float] = []

    async def delete_all() -> int:
        total = 0
        while total < TO_DELETE:
            began = time.perf_counter()
            async with engine.begin() as conn:
                done = (
                    await conn.execute(
                        mq.DELETE_COMPLETED_JOBS,
                        {"completed_before": cutoff, "self_id": uuid.uuid4(), "limit": batch},
                    )
                ).rowcount
            batch_ms.append((time.perf_counter() - began) * 1000)
            await fold_job_counts(engine)  # as the maintenance handler does after each batch
            total += done
            if done < batch:
                break
        return total

    began = time.monotonic()
    during, deleted = await _probe(engine, user, site, delete_all)
    took = time.monotonic() - began
    print(
        f"cleanup: {deleted:,} jobs in {len(batch_ms):,} batches of {batch:,} in {took:.0f} s "
        f"({deleted / took:,.0f} jobs/s)"
    )
    print(_line("cleanup batch (one transaction)", batch_ms))
    print(_line("enqueue during the cleanup", during.enqueue_ms))
    print(_line("projector write during the cleanup", during.project_ms))
    await _vacuum_report(engine, datetime.now(UTC))


async def _vacuum_report(engine: AsyncEngine, ended: datetime) -> None:
    """Dead tuples right after the cleanup, then once autovacuum has been through jobs."""
    deadline = time.monotonic() + VACUUM_WAIT_S
    first = True
    while True:
        async with engine.connect() as conn:
            live, dead, last, count = (await conn.execute(DEAD_TUPLES)).one()
        vacuumed = last is not None and last > ended - timedelta(seconds=1)
        if first or vacuumed or time.monotonic() > deadline:
            label = "jobs after cleanup" + (" + autovacuum" if vacuumed else "")
            print(
                f"{label}: {live:,} live, {dead:,} dead tuples, "
                f"last autovacuum {last.isoformat() if last else 'never'} ({count} so far)"
            )
        first = False
        if vacuumed or time.monotonic() > deadline:
            return
        await asyncio.sleep(5)
