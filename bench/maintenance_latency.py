"""End-to-end latency of a maintenance job over the HTTP API, one job at a time.

Needs the stack and the services running with the default settings:
    .venv/bin/seojobs stack up && .venv/bin/seojobs services up api relay projector maintenance
    .venv/bin/python bench/maintenance_latency.py [jobs]
Prints enqueue -> started and enqueue -> COMPLETED (as the jobs table records them) and what a
polling client sees (POST -> status COMPLETED), p50 and p99.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
import uuid

import httpx
from sqlalchemy import text

from seojobs.adapters.db import accounts
from seojobs.adapters.db.engine import make_engine
from seojobs.settings import Settings

#: Jobs run before measuring (connections, consumer warm-up).
WARM_UP = 10
TIMES = text("SELECT created_at, started_at, updated_at FROM jobs WHERE id = :id")


def pct(values: list[float], p: float) -> float:
    """The p-th quantile (0..1) of the values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


async def main(count: int) -> None:
    """Run ``count`` SYNC_METRICS jobs one after another and print the latencies."""
    settings = Settings()
    engine = make_engine(settings.database_url)
    user = await accounts.create_user(engine, f"bench-{uuid.uuid4().hex[:6]}@seojobs.local", role="admin")
    headers = {"Authorization": f"Bearer {await accounts.create_token(engine, user)}"}
    started, completed, client = [], [], []
    base = f"http://{settings.api_host}:{settings.api_port}"
    async with httpx.AsyncClient(base_url=base, headers=headers) as http:
        for i in range(count + WARM_UP):
            t0 = time.perf_counter()
            job_id = (await http.post("/api/jobs/sync-metrics", json={})).json()["jobId"]
            while (await http.get(f"/api/jobs/{job_id}/status")).json()["job"]["status"] != "COMPLETED":
                await asyncio.sleep(0.005)
            if i < WARM_UP:
                continue
            client.append(time.perf_counter() - t0)
            async with engine.connect() as conn:
                row = (await conn.execute(TIMES, {"id": job_id})).one()
            started.append((row.started_at - row.created_at).total_seconds())
            completed.append((row.updated_at - row.created_at).total_seconds())
    await engine.dispose()
    rows = (
        ("enqueue -> started", started),
        ("enqueue -> COMPLETED (jobs table)", completed),
        ("client POST -> status COMPLETED", client),
    )
    for name, values in rows:
        p50, p99 = statistics.median(values) * 1000, pct(values, 0.99) * 1000
        print(f"{name:36} p50 {p50:6.0f} ms   p99 {p99:6.0f} ms")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 50))
