"""One command for the pipeline's figures: ``python -m bench.pipeline_bench [--seconds 60]``.

Prints a table (markdown) of end-to-end throughput, latencies at 100 and 1,000 jobs/s offered,
API requests/s, scaling over 1, 2 and 4 workers, and peak RSS per service; then the peers (Celery,
procrastinate, pgqueuer) on the same backlog of no-op jobs, with our ratio to each. Every step
waits until the backlog it left behind is done, so steps do not disturb each other. Needs the
native stack (and ``pip install -e '.[bench]'`` for the peers).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path

from bench.ours import api_rate, drain, latency, sustained, wait_done, wait_settled
from bench.peers.result import markdown
from bench.peers.suite import run_all
from bench.stack import API_PORT, Services, bench_settings, drop_topics, fresh_database
from seojobs.adapters.db.accounts import create_token, create_user
from seojobs.adapters.db.engine import make_engine

#: Default offered load of the throughput run, jobs/s (a little above what the pipeline takes on
#: two cores, so that it runs saturated without building an hours-long backlog).
OFFERED_RATE = 400.0
#: Longest wait for a step's backlog to finish, seconds.
BACKLOG_TIMEOUT_S = 900.0
#: Backlog of the drain run (the peers' measure).
DRAIN_JOBS = 5000


async def run(seconds: float, api_seconds: float, rate: float) -> tuple[list[tuple[str, str]], float]:
    """Every figure, as (name, value) rows, and our drain rate (the peers' measure)."""
    rows: list[tuple[str, str]] = []
    with fresh_database() as db:
        settings = await asyncio.to_thread(bench_settings, db)
        engine = make_engine(settings.database_url)
        services = Services(settings, Path(tempfile.mkdtemp(prefix="bench-")))
        try:
            for name in ("api", "relay", "projector", "maintenance"):
                services.start(name)
            warm = f"warm-{uuid.uuid4().hex[:6]}"
            await drain(engine, settings, 10, warm)
            tag = f"tp-{uuid.uuid4().hex[:6]}"
            s = await sustained(engine, settings, rate, seconds, tag)
            label = f"end-to-end throughput, {seconds:.0f} s at {s['offered']:.0f}/s offered, 1 worker"
            rows.append((label, f"{s['completed_per_s']:.0f} jobs/s"))
            await wait_done(engine, tag, int(s["sent"]), BACKLOG_TIMEOUT_S)
            rate_d = await drain(engine, settings, DRAIN_JOBS, f"dr-{uuid.uuid4().hex[:6]}")
            rows.append((f"drain of {DRAIN_JOBS} queued jobs, 1 worker", f"{rate_d:.0f} jobs/s"))
            for offered, span in ((100.0, 20.0), (1000.0, 10.0)):
                lat = await latency(
                    engine, settings, offered, span, f"lat{offered:.0f}-{uuid.uuid4().hex[:6]}"
                )
                rows.append(
                    (
                        f"enqueue->started at {offered:.0f}/s offered for {span:.0f} s (p50 / p99)",
                        f"{lat['started_p50']:.0f} / {lat['started_p99']:.0f} ms",
                    )
                )
                rows.append(
                    (
                        f"enqueue->COMPLETED at {offered:.0f}/s offered for {span:.0f} s (p50 / p99)",
                        f"{lat['completed_p50']:.0f} / {lat['completed_p99']:.0f} ms"
                        f" ({lat['done']:.0f}/{lat['sent']:.0f} done in time)",
                    )
                )
            admin = await create_user(engine, f"bench-{uuid.uuid4().hex[:6]}@example.test", role="admin")
            headers = {"Authorization": f"Bearer {await create_token(engine, admin)}"}
            base = f"http://127.0.0.1:{API_PORT}/api/jobs"
            single = await api_rate(f"{base}/noop", "POST", headers, api_seconds, {"tag": "api"})
            bulk = await api_rate(
                f"{base}/noop/bulk", "POST", headers, api_seconds, {"count": 100, "tag": "api"}
            )
            status = await api_rate(f"{base}/stats", "GET", headers, api_seconds)
            rows += [
                ("enqueue API, single (POST /api/jobs/noop)", f"{single:.0f} req/s"),
                (
                    "enqueue API, bulk of 100 (POST /api/jobs/noop/bulk)",
                    f"{bulk:.1f} req/s = {bulk * 100:.0f} jobs/s",
                ),
                ("status API (GET /api/jobs/stats)", f"{status:.0f} req/s"),
            ]
            await wait_settled(engine, BACKLOG_TIMEOUT_S)
            for workers in (2, 4):
                running = [k for k in services.procs if k.startswith("maintenance")]
                for instance in range(len(running), workers):
                    services.start("maintenance", instance)
                await asyncio.sleep(15)  # let the group rebalance before measuring (part of the setup)
                tag = f"sc{workers}-{time.time():.0f}"
                s = await sustained(engine, settings, rate, seconds / 2, tag)
                label = f"scaling: {workers} worker processes, 12 partitions"
                rows.append((label, f"{s['completed_per_s']:.0f} jobs/s"))
                await wait_done(engine, tag, int(s["sent"]), BACKLOG_TIMEOUT_S)
        finally:
            services.stop_all()
            await engine.dispose()
            await asyncio.to_thread(drop_topics, settings)
        for key, rss in sorted(services.peak_rss.items()):
            rows.append((f"peak RSS {key}", f"{rss / 2**20:.0f} MiB"))
    return rows, rate_d


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the throughput run")
    parser.add_argument("--api-seconds", type=float, default=10.0, help="length of each API run")
    parser.add_argument("--rate", type=float, default=OFFERED_RATE, help="offered jobs/s, throughput run")
    parser.add_argument("--no-peers", action="store_true", help="measure only our pipeline")
    args = parser.parse_args()
    rows, ours_drain = asyncio.run(run(args.seconds, args.api_seconds, args.rate))
    print("| figure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |", flush=True)
    if not args.no_peers:
        print(f"\nPeers, {DRAIN_JOBS} no-op jobs enqueued while one worker runs (ours: the drain row)\n")
        print(markdown(run_all(DRAIN_JOBS), ours_end_to_end=ours_drain))


if __name__ == "__main__":
    main()
