"""Long jobs while operators scale: real crawls of polite local sites (robots.txt Crawl-delay: 1).

Prints, for 1, 2 and 4 crawler processes (4 run slots each): how long short crawls wait to start
while long crawls run; the same during a scale-out and a scale-in; pages fetched twice; the time
from a SIGKILL to the crawl's restart elsewhere; and the most crawls running at once against
processes x slots (up to 16 processes).

    PYTHONPATH=. .venv/bin/python -m bench.long_jobs [--quick]

Needs the stack (`seojobs stack up`); starts its own services on its own database and topics.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from bench.stack import Services, bench_settings, drop_topics, fresh_database
from seojobs.adapters.db.accounts import create_site, create_user
from seojobs.adapters.db.engine import make_engine
from seojobs.queue_service import QueueService
from seojobs.settings import Settings
from tests.support.slowsite import SlowSite

#: Run slots of every crawler process.
SLOTS = 4
#: Pages of a long crawl (one a second: robots.txt asks for it).
LONG_PAGES = 20


@dataclass
class Run:
    """One scenario's services, sites and jobs."""

    settings: Settings
    services: Services
    url: str
    crawlers: int = 0
    sites: list[SlowSite] = field(default_factory=list)

    def start_crawler(self) -> int:
        """One more crawler process; its instance number."""
        self.services.start("crawler", self.crawlers)
        self.crawlers += 1
        return self.crawlers - 1

    async def enqueue(self, pages: int) -> tuple[str, SlowSite]:
        """A crawl of a new slow site of ``pages`` pages."""
        site = SlowSite(pages, 1)
        self.sites.append(site)
        engine = make_engine(self.settings.database_url)
        try:
            owner = await _owner(engine)
            created = await create_site(engine, owner, site.origin + "/", f"slow-{len(self.sites)}")
            queue = QueueService(engine, self.settings.topics)
            job = await queue.enqueue_crawl(uuid.UUID(created["id"]), owner, max_pages=pages, render="http")
        finally:
            await engine.dispose()
        return str(job), site

    def rows(self, sql: str, args: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Rows of a query on the run's database."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute(sql, args or {}).fetchall()

    def waits(self, ids: list[str]) -> list[float]:
        """Seconds from enqueue to start of these jobs (started ones only)."""
        return [
            float(r[0])
            for r in self.rows(
                "SELECT extract(epoch FROM started_at - created_at) FROM jobs WHERE id = ANY(%(ids)s) "
                "AND started_at IS NOT NULL",
                {"ids": [uuid.UUID(i) for i in ids]},
            )
        ]

    def finished(self, ids: list[str]) -> bool:
        """Whether all these jobs ended."""
        rows = self.rows(
            "SELECT count(*) FROM jobs WHERE id = ANY(%(ids)s) AND status IN "
            "('COMPLETED','FAILED','CANCELLED')",
            {"ids": [uuid.UUID(i) for i in ids]},
        )
        return int(rows[0][0]) == len(ids)

    def running(self) -> int:
        """Crawls running now (leases held by a live run)."""
        return int(self.rows("SELECT count(*) FROM job_leases WHERE state = 'running'")[0][0])

    def workers_running(self) -> set[str]:
        """The workers that run a crawl now."""
        rows = self.rows("SELECT DISTINCT worker FROM job_leases WHERE state = 'running'")
        return {str(r[0]) for r in rows}

    def worker_of(self, job_id: str) -> str | None:
        """The worker running a job."""
        rows = self.rows(
            "SELECT worker FROM job_leases WHERE job_id = %(id)s AND state = 'running'",
            {"id": uuid.UUID(job_id)},
        )
        return str(rows[0][0]) if rows else None

    def attempts(self, job_id: str) -> int:
        """The job's attempts as projected."""
        return int(self.rows("SELECT attempts FROM jobs WHERE id = %(id)s", {"id": uuid.UUID(job_id)})[0][0])

    def repeated(self) -> int:
        """Pages fetched more than once, over every site of the run."""
        return sum(site.repeated() for site in self.sites)


async def _owner(engine: Any) -> uuid.UUID:
    return await create_user(engine, f"bench-{uuid.uuid4().hex[:8]}@example.test", plan="enterprise")


async def until(check: Any, timeout_s: float, what: str) -> None:
    """Wait for a condition (checked every 0.2 s)."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.2)


def pct(values: list[float], q: float) -> float:
    """The q-th quantile (0..1) of values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def line(label: str, waits: list[float], extra: str = "") -> None:
    """One result line."""
    print(
        f"  {label:<44} short-job wait p50 {pct(waits, 0.5):5.2f} s  p99 {pct(waits, 0.99):5.2f} s"
        f"  (n={len(waits)}){extra}",
        flush=True,
    )


async def shorts_while_long(run: Run, longs: int, shorts: int, every_s: float = 0.5) -> list[str]:
    """Start ``longs`` long crawls, then enqueue ``shorts`` one-page crawls; the short ones' ids."""
    long_ids = [(await run.enqueue(LONG_PAGES))[0] for _ in range(longs)]
    await until(lambda: run.running() >= min(longs, run.crawlers * SLOTS), 60, "long crawls to run")
    ids = []
    for _ in range(shorts):
        ids.append((await run.enqueue(1))[0])
        await asyncio.sleep(every_s)
    await until(lambda: run.finished(ids), 120, "short crawls to end")
    await until(lambda: run.finished(long_ids), 180, "long crawls to end")
    return ids


def new_run(settings: Settings, url: str, log_dir: Path) -> Run:
    """A run with the API-less pipeline: relay and projector."""
    services = Services(settings, log_dir)
    services.env.update(
        {
            "SEOJOBS_WORKER_CONCURRENCY": str(SLOTS),
            "SEOJOBS_LEASE_STALE_AFTER_S": "10",
            "SEOJOBS_CRAWL_ALLOWED_PRIVATE": "127.0.0.0/8",
            # A checkout run with PYTHONPATH=its src keeps its services on that code.
            "PYTHONPATH": os.pathsep.join(
                filter(None, [os.environ.get("PYTHONPATH"), services.env["PYTHONPATH"]])
            ),
        }
    )
    services.start("relay")
    services.start("projector")
    return Run(settings, services, url)


async def scenario(url: str, settings: Settings, log_dir: Path, name: str, body: Any) -> None:
    """Run one scenario on fresh services (stopped afterwards)."""
    (log_dir / name).mkdir(parents=True, exist_ok=True)
    run = new_run(settings, url, log_dir / name)
    try:
        await body(run)
    finally:
        run.services.stop_all()
        for site in run.sites:
            site.stop()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "TRUNCATE jobs, job_leases, crawl_checkpoints, outbox, job_results, pages, "
                "seo_issues, sites, users CASCADE"
            )


async def main(quick: bool) -> None:
    """Every scenario, one after the other, on one database and one set of topics."""
    log_dir = Path(tempfile.mkdtemp(prefix="long-jobs-"))
    with fresh_database("longjobs") as url:
        settings = await asyncio.to_thread(bench_settings, url)
        try:
            print(
                f"long jobs: {LONG_PAGES}-page crawls at 1 page/s beside one-page crawls; "
                f"{SLOTS} slots per crawler; logs in {log_dir}",
                flush=True,
            )
            for procs in (1, 2, 4):

                async def steady(run: Run, procs: int = procs) -> None:
                    for _ in range(procs):
                        run.start_crawler()
                    await asyncio.sleep(8)
                    ids = await shorts_while_long(run, longs=procs * SLOTS // 2, shorts=8)
                    line(
                        f"{procs} process(es), {procs * SLOTS // 2} long crawls running",
                        run.waits(ids),
                        f"  repeated fetches {run.repeated()}",
                    )

                await scenario(url, settings, log_dir, f"steady-{procs}", steady)

            async def scale_out(run: Run) -> None:
                run.start_crawler()
                await asyncio.sleep(8)
                long_ids = [(await run.enqueue(LONG_PAGES))[0] for _ in range(3)]
                await until(lambda: run.running() >= 3, 60, "long crawls to run")
                run.start_crawler()
                run.start_crawler()
                ids = []
                for _ in range(16):
                    ids.append((await run.enqueue(1))[0])
                    await asyncio.sleep(0.5)
                await until(lambda: run.finished(ids + long_ids), 180, "crawls to end")
                line(
                    "scale-out 1 -> 3 processes during long crawls",
                    run.waits(ids),
                    f"  repeated fetches {run.repeated()}, long-crawl attempts "
                    f"{[run.attempts(j) for j in long_ids]}",
                )

            await scenario(url, settings, log_dir, "scale-out", scale_out)

            async def scale_in(run: Run) -> None:
                for _ in range(4):
                    run.start_crawler()
                await asyncio.sleep(12)
                long_ids = [(await run.enqueue(LONG_PAGES))[0] for _ in range(4)]
                await until(lambda: run.running() >= 4, 60, "long crawls to run")
                await asyncio.sleep(6)  # past a checkpoint
                stopped_at = time.monotonic()
                for instance in (2, 3):  # 8 slots stay: room for the 4 long crawls and the short ones
                    proc = run.services.procs.pop(f"crawler-{instance}")
                    proc.send_signal(signal.SIGTERM)
                ids = []
                for _ in range(12):
                    ids.append((await run.enqueue(1))[0])
                    await asyncio.sleep(0.5)
                await until(lambda: run.finished(ids + long_ids), 240, "crawls to end")
                restarted = sum(run.attempts(j) > 1 for j in long_ids)
                line(
                    "scale-in 4 -> 2 processes during long crawls",
                    run.waits(ids),
                    f"  repeated fetches {run.repeated()}, handed-back crawls restarted {restarted}, "
                    f"{time.monotonic() - stopped_at:.0f} s to end",
                )

            await scenario(url, settings, log_dir, "scale-in", scale_in)

            async def kill(run: Run) -> None:
                run.start_crawler()
                run.start_crawler()
                await asyncio.sleep(10)
                job_id, site = await run.enqueue(30)
                await until(lambda: sum(site.page_fetches().values()) >= 13, 60, "the crawl to run")
                worker = run.worker_of(job_id)
                assert worker is not None
                pid = int(worker.rsplit(":", 1)[1])
                os.kill(pid, signal.SIGKILL)  # the worker process; its keeper starts a new one
                killed = time.monotonic()
                await until(
                    lambda: run.attempts(job_id) >= 2 and run.worker_of(job_id) not in (None, worker),
                    60,
                    "the crawl to restart",
                )
                restart_s = time.monotonic() - killed
                await until(lambda: run.finished([job_id]), 120, "the crawl to end")
                print(
                    f"  SIGKILL of the worker running a 30-page crawl: restarted after {restart_s:.1f} s "
                    f"(stale timeout 10 s), repeated fetches {site.repeated()}",
                    flush=True,
                )

            await scenario(url, settings, log_dir, "sigkill", kill)

            for procs in (4, 8) if quick else (4, 8, 16):

                async def ceiling(run: Run, procs: int = procs) -> None:
                    for _ in range(procs):
                        run.start_crawler()
                    await asyncio.sleep(5 + procs * 2)
                    ids = [(await run.enqueue(15))[0] for _ in range(procs * SLOTS)]
                    peak, ran_on = 0, set()
                    deadline = time.monotonic() + 240
                    while not run.finished(ids) and time.monotonic() < deadline:
                        peak = max(peak, run.running())
                        ran_on |= run.workers_running()
                        await asyncio.sleep(0.5)
                    print(
                        f"  {procs:>2} processes x {SLOTS} slots = {procs * SLOTS:>2}: most crawls running "
                        f"at once {peak}, processes that ran crawls {len(ran_on)}",
                        flush=True,
                    )

                await scenario(url, settings, log_dir, f"ceiling-{procs}", ceiling)
        finally:
            await asyncio.to_thread(drop_topics, settings)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the ceiling up to 8 processes only")
    asyncio.run(main(parser.parse_args().quick))
