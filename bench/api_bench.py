"""API throughput: single crawl enqueue, status by id and stats, each with p50/p99.

    PYTHONPATH=. .venv/bin/python -m bench.api_bench [--workers 2] [--seconds 10] [--profile DIR]

It makes its own database (dropped at the end), 16 users on the enterprise plan with a token
each and 20,000 sites, starts the API (``SEOJOBS_API_WORKERS`` processes) on it and keeps 32
requests in flight against each endpoint. Every crawl names a new site, so each one is a real
enqueue (site ownership, plan, quota, one crawl per site, idempotency key, row and outbox).
With ``--profile`` py-spy samples the API processes during each run and the busiest functions
are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import psutil
import psycopg

from bench.loadgen import LoadResult, request_bytes, run_load
from bench.stack import ROOT, fresh_database
from seojobs.adapters.db.accounts import hash_token
from seojobs.adapters.db.migrate import upgrade

#: The port this benchmark's API listens on.
PORT = 18461
#: Requests in flight (the issue's figure).
IN_FLIGHT = 32
#: Users, sites and pre-made jobs the runs read and write.
USERS, SITES, JOBS = 16, 20_000, 2_000


def seed(url: str) -> tuple[list[str], list[list[str]], list[list[str]]]:
    """Users (tokens), their sites and some of their jobs; returns (tokens, sites, jobs) per user."""
    tokens, sites, jobs = [], [], []
    with psycopg.connect(url, autocommit=True) as conn:
        for u in range(USERS):
            uid = conn.execute(
                "INSERT INTO users (email, plan) VALUES (%s, 'enterprise') RETURNING id",
                (f"bench{u}@example.com",),
            ).fetchone()[0]  # type: ignore[index]
            token = uuid.uuid4().hex
            conn.execute(
                "INSERT INTO api_tokens (user_id, token_hash) VALUES (%s, %s)", (uid, hash_token(token))
            )
            sids = [
                r[0]
                for r in conn.execute(
                    "INSERT INTO sites (user_id, url, name) "
                    "SELECT %s, 'https://s' || g || '.example', 's' || g "
                    "FROM generate_series(1, %s) g RETURNING id",
                    (uid, SITES // USERS),
                ).fetchall()
            ]
            jids = [
                r[0]
                for r in conn.execute(
                    "INSERT INTO jobs (type, status, payload, user_id, result, completed_at) "
                    "SELECT 'SYNC_METRICS', 'COMPLETED', '{}', %s, '{\"ok\": true}', now() "
                    "FROM generate_series(1, %s) RETURNING id",
                    (uid, JOBS // USERS),
                ).fetchall()
            ]
            tokens.append(token)
            sites.append([str(s) for s in sids])
            jobs.append([str(j) for j in jids])
    return tokens, sites, jobs


def start_api(url: str, workers: int, log: Path) -> subprocess.Popen[bytes]:
    """The API as a process (with its workers), once /healthz answers."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SEOJOBS_API_PORT": str(PORT),
        "SEOJOBS_API_WORKERS": str(workers),
        "SEOJOBS_SCHEDULER_ENABLED": "false",
        "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}",
    }
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "services.api"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{PORT}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"the API did not start; see {log}")


#: Where a request's time goes: the first category whose marker is on a sample's stack.
CATEGORIES = (
    ("auth: token lookup", ("user_for_token", "TokenCache")),
    (
        "connection: checkout, connect, pre-ping, close",
        (
            "_do_ping",
            "_connect_gen",
            "AsyncConnection.close",
            "pool/impl.py",
            "Pool._do_get",
            "_ConnectionFairy",
        ),
    ),
    ("queries and their rows", ("submit_in", "JobStore", "job_store.py", "queue_service.py", "job_reads.py")),
    ("response encoding", ("serialize_response", "jsonable_encoder", "render (", "ORJSONResponse")),
    (
        "request parsing, validation, dependencies",
        ("solve_dependencies", "request_body_to_args", "_get_body", "get_request_handler"),
    ),
    ("HTTP server (uvicorn, starlette)", ("httptools_impl", "starlette", "fastapi")),
)


def profile_summary(raw: Path) -> list[str]:
    """The event-loop thread's samples by category, and the busiest functions (self time)."""
    by_category: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if "Runner.run" not in stack:
            continue  # other threads (waiting pool helpers)
        n = int(count)
        total += n
        frames = stack.split(";")
        own[frames[-1]] += n
        category = next((name for name, marks in CATEGORIES if any(m in stack for m in marks)), "other")
        by_category[category] += n
    lines = [f"  {100 * c / max(total, 1):5.1f}%  {name}" for name, c in by_category.most_common()]
    lines += [f"  {100 * c / max(total, 1):5.1f}% self  {name}" for name, c in own.most_common(6)]
    return lines


def _cpu(proc: psutil.Process) -> float:
    try:
        times = proc.cpu_times()
    except psutil.Error:
        return 0.0
    return float(times.user + times.system)


class CpuMeter:
    """CPU seconds of the API's processes and of this database's PostgreSQL backends during a run.

    Backends come and go (a pool's overflow connections), so they are sampled every 0.1 s by
    their command line ("postgres: user database ..."); each counts from its first sample.
    """

    def __init__(self, api_pid: int, database: str) -> None:
        self.api = psutil.Process(api_pid)
        self.database = database
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _backends(self) -> list[psutil.Process]:
        found = []
        for proc in psutil.process_iter(["name", "cmdline"]):
            cmd = " ".join(proc.info["cmdline"] or [])
            if cmd.startswith("postgres: ") and f" {self.database} " in cmd:
                found.append(proc)
        return found

    def _sample(self) -> None:
        while True:
            for proc in self._backends():
                used = _cpu(proc)
                self.first.setdefault(proc.pid, used)
                self.last[proc.pid] = used
            if self._stop.wait(0.1):
                return

    def _api_cpu(self) -> float:
        return sum(_cpu(p) for p in [self.api, *self.api.children(recursive=True)])

    def __enter__(self) -> CpuMeter:
        self.api_start = self._api_cpu()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.api_seconds = self._api_cpu() - self.api_start
        self.pg_seconds = sum(self.last[p] - self.first[p] for p in self.last)


def measure(
    name: str, factory: object, seconds: float, api: subprocess.Popen[bytes], profile: Path | None, url: str
) -> LoadResult:
    """One endpoint's run (profiled when asked), with the CPU each request cost."""
    spy = None
    if profile is not None:
        profile.mkdir(parents=True, exist_ok=True)
        spy = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "py-spy"),
                "record",
                "--pid",
                str(api.pid),
                "--subprocesses",
                "-d",
                str(int(seconds)),
                "-r",
                "200",
                "--format",
                "raw",
                "-o",
                str(profile / f"{name}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    client_before = time.process_time()
    with CpuMeter(api.pid, url.rsplit("/", 1)[1]) as meter:
        result = asyncio.run(
            run_load(
                "127.0.0.1",
                PORT,
                factory,  # type: ignore[arg-type]
                connections=IN_FLIGHT,
                seconds=seconds,
            )
        )
    client = time.process_time() - client_before
    print(result.line(name), flush=True)
    n = max(result.ok + result.failed, 1)
    per = [1000 * meter.api_seconds / n, 1000 * meter.pg_seconds / n, 1000 * client / n]
    print(
        f"  CPU per request: API {per[0]:.2f} ms, PostgreSQL {per[1]:.2f} ms, load generator "
        f"{per[2]:.2f} ms; two cores would allow at most {2000 / sum(per):,.0f} req/s; "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    if spy is not None:
        spy.wait(timeout=60)
        if (profile / f"{name}.txt").exists():  # type: ignore[operator]
            print("\n".join(profile_summary(profile / f"{name}.txt")), flush=True)  # type: ignore[operator]
    return result


def main() -> None:
    """Seed, start the API, run the three endpoints, print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="API worker processes")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each run")
    parser.add_argument("--profile", type=Path, default=None, help="py-spy output directory")
    args = parser.parse_args()
    with fresh_database("apibench") as url:
        upgrade("postgresql+psycopg://" + url.split("://", 1)[1])
        tokens, sites, jobs = seed(url)
        api = start_api(url, args.workers, Path(f"/tmp/api_bench_{PORT}.log"))
        try:
            auth = [{"Authorization": f"Bearer {t}"} for t in tokens]
            fresh = [iter(s) for s in sites]

            def crawl(i: int) -> bytes:
                u = i % USERS
                body = json.dumps({"siteId": next(fresh[u]), "maxPages": 10}).encode()
                headers = {**auth[u], "Idempotency-Key": uuid.uuid4().hex}
                return request_bytes("POST", "/api/jobs/crawl", headers, body)

            def status(i: int) -> bytes:
                u = i % USERS
                return request_bytes("GET", f"/api/jobs/{random.choice(jobs[u])}/status", auth[u])

            def stats(i: int) -> bytes:
                return request_bytes("GET", "/api/jobs/stats", auth[i % USERS])

            print(
                f"API with {args.workers} worker process(es), {IN_FLIGHT} requests in flight, "
                f"{args.seconds:.0f} s each",
                flush=True,
            )
            for name, factory in (
                ("enqueue POST /api/jobs/crawl", crawl),
                ("status GET /api/jobs/{id}/status", status),
                ("stats GET /api/jobs/stats", stats),
            ):
                measure(name.split()[0], factory, args.seconds, api, args.profile, url)
        finally:
            api.terminate()
            api.wait(timeout=30)


if __name__ == "__main__":
    main()
