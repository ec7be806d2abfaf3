"""Live-update latency: from the projector's commit to the change arriving at WebSocket and SSE clients.

The benchmark plays the projector: it applies job events to the jobs table and NOTIFYs their ids in
one transaction with the projector's own code (apply_batch + notify_jobs), notes the time the commit
returned, and measures when each subscribed client receives the new row. The API runs as its own
process on a fresh migrated database. Prints p50/p99 per transport and overall.
Run: .venv/bin/python bench/live_bench.py [--jobs 50] [--rounds 20] [--ws-clients 20] [--sse-clients 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psycopg
from websockets.asyncio.client import connect

from seojobs.adapters.db import accounts
from seojobs.adapters.db.engine import libpq_url, make_engine
from seojobs.adapters.db.migrate import upgrade
from seojobs.domain.events import STARTED_STEP, EventType, JobEvent, event_seq
from seojobs.domain.jobs import JobType
from seojobs.domain.topics import Topics
from seojobs.pipeline.job_changes import notify_jobs
from seojobs.pipeline.projection_store import apply_batch
from seojobs.queue_service import QueueService
from seojobs.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
#: Port of the benchmark's API process.
DEFAULT_PORT = 18310
#: The target: p99 from commit to client, seconds.
TARGET_P99_S = 0.100


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def ws_client(
    url: str, token: str, ready: asyncio.Event, lat: list[float], commits: dict[tuple[str, int], float]
) -> None:
    """A WebSocket client following every job of its user."""
    async with connect(f"{url}?token={token}") as ws:
        json.loads(await ws.recv())
        ready.set()
        async for raw in ws:
            now = time.perf_counter()
            msg = json.loads(raw)
            key = (msg["job"]["id"], msg["seq"])
            if key in commits:
                lat.append(now - commits[key])


async def sse_client(
    base: str,
    token: str,
    job_id: str,
    ready: asyncio.Event,
    lat: list[float],
    commits: dict[tuple[str, int], float],
) -> None:
    """An SSE client following one job."""
    async with (
        httpx.AsyncClient(timeout=None) as http,
        http.stream(
            "GET", f"{base}/api/jobs/{job_id}/events", headers={"Authorization": f"Bearer {token}"}
        ) as resp,
    ):
        seq = None
        async for line in resp.aiter_lines():
            now = time.perf_counter()
            if line.startswith("id:"):
                seq = int(line[3:].strip())
            elif line.startswith("data:") and seq is not None:
                if (job_id, seq) in commits:
                    lat.append(now - commits[(job_id, seq)])
                else:
                    ready.set()
                seq = None


async def bench(args: argparse.Namespace, database_url: str) -> int:
    """Run the rounds; print the latencies; 0 when p99 meets the target."""
    engine = make_engine(database_url)
    user = await accounts.create_user(engine, "bench@example.test", role="admin")
    token = await accounts.create_token(engine, user, "bench")
    queue = QueueService(engine, Topics("bench."))
    jobs = [
        str((await queue.submit(JobType.SYNC_METRICS, {}, user_id=user)).job_id) for _ in range(args.jobs)
    ]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SEOJOBS_API_PORT": str(args.port),
        "SEOJOBS_TOPIC_PREFIX": "bench.",
    }
    api = subprocess.Popen(
        [sys.executable, "-m", "services.api"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(200):
                try:
                    if (await http.get(f"{base}/healthz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
        commits: dict[tuple[str, int], float] = {}
        ws_lat: list[float] = []
        sse_lat: list[float] = []
        readies = [asyncio.Event() for _ in range(args.ws_clients + args.sse_clients)]
        tasks = [
            asyncio.create_task(
                ws_client(base.replace("http", "ws") + "/api/ws", token, readies[i], ws_lat, commits)
            )
            for i in range(args.ws_clients)
        ]
        tasks += [
            asyncio.create_task(
                sse_client(base, token, jobs[i % len(jobs)], readies[args.ws_clients + i], sse_lat, commits)
            )
            for i in range(args.sse_clients)
        ]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 30)
        for rnd in range(args.rounds):
            step = STARTED_STEP + rnd
            event_type = EventType.STARTED if rnd == 0 else EventType.PROGRESS
            events = [
                JobEvent(
                    event_type,
                    j,
                    JobType.SYNC_METRICS.value,
                    1,
                    event_seq(0, 1, step),
                    {"progress": min(99, rnd * 5)},
                )
                for j in jobs
            ]
            async with engine.begin() as conn:
                await apply_batch(conn, events)
                await notify_jobs(conn, jobs)
            now = time.perf_counter()
            commits.update({(j, event_seq(0, 1, step)): now for j in jobs})
            await asyncio.sleep(args.pause)
        expected_ws = args.ws_clients * args.jobs * args.rounds
        deadline = time.monotonic() + 10
        while len(ws_lat) < expected_ws and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        api.terminate()
        api.wait(timeout=20)
        await engine.dispose()
    return report(ws_lat, sse_lat, args)


def report(ws_lat: list[float], sse_lat: list[float], args: argparse.Namespace) -> int:
    """Print p50/p99 per transport; 0 when the overall p99 meets the target."""
    print(
        f"jobs={args.jobs} rounds={args.rounds} ws_clients={args.ws_clients} sse_clients={args.sse_clients}"
    )
    for name, lat in (("websocket", ws_lat), ("sse", sse_lat), ("all", ws_lat + sse_lat)):
        if lat:
            print(
                f"{name:9s} n={len(lat):6d}  p50={percentile(lat, 50) * 1000:7.2f} ms  "
                f"p99={percentile(lat, 99) * 1000:7.2f} ms  max={max(lat) * 1000:7.2f} ms  "
                f"mean={statistics.fmean(lat) * 1000:6.2f} ms"
            )
    overall = ws_lat + sse_lat
    ok = bool(overall) and percentile(overall, 99) <= TARGET_P99_S
    print(f"target p99 <= {TARGET_P99_S * 1000:.0f} ms: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


def main() -> None:
    """Create a fresh database, run the benchmark, drop the database."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--ws-clients", type=int, default=20)
    parser.add_argument("--sse-clients", type=int, default=5)
    parser.add_argument("--pause", type=float, default=0.05, help="Seconds between two commits.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args()
    base = Settings()
    name = f"bench_live_{uuid.uuid4().hex[:8]}"
    admin = libpq_url(base.database_url).rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = base.database_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        code = asyncio.run(bench(args, url))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    raise SystemExit(code)


if __name__ == "__main__":
    main()
