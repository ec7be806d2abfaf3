"""Our figures: end-to-end throughput, latency at an offered load, API requests/s, scaling."""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.domain.jobs import JobType
from seojobs.domain.topics import Topics
from seojobs.queue_service import QueueService
from seojobs.settings import Settings

#: Enqueue ticks per second of a paced load.
TICKS_PER_S = 20
#: Requests in flight while measuring an API endpoint.
API_CONCURRENCY = 8

_DONE = text("SELECT count(*) FROM jobs WHERE status = 'COMPLETED' AND payload->>'tag' = :tag")
_WINDOW = text("""SELECT count(*) FROM jobs WHERE payload->>'tag' = :tag AND status = 'COMPLETED'
                  AND completed_at BETWEEN to_timestamp(:t0) AND to_timestamp(:t1)""")
_UNSETTLED = text("SELECT count(*) FROM jobs WHERE status IN ('PENDING', 'PROCESSING')")
_LAT = text("""SELECT extract(epoch FROM started_at - created_at) * 1000,
                      extract(epoch FROM completed_at - created_at) * 1000
               FROM jobs WHERE payload->>'tag' = :tag AND status = 'COMPLETED'""")


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


async def paced_enqueue(
    engine: AsyncEngine, settings: Settings, rate: float, seconds: float, tag: str
) -> int:
    """Offer ``rate`` jobs/s for ``seconds`` (one transaction per tick); how many were enqueued."""
    queue = QueueService(engine, Topics(settings.topic_prefix))
    start, sent = time.monotonic(), 0
    while (elapsed := time.monotonic() - start) < seconds:
        due = int(rate * elapsed) - sent
        if due > 0:
            jobs = [queue.build(JobType.NOOP, {"tag": tag}) for _ in range(due)]
            async with engine.begin() as conn:
                await queue.submit_many_in(conn, jobs)
            sent += due
        await asyncio.sleep(1 / TICKS_PER_S)
    return sent


async def wait_done(engine: AsyncEngine, tag: str, n: int, timeout_s: float) -> int:
    """Wait until n jobs of the tag completed (or the timeout); how many did."""
    deadline = time.monotonic() + timeout_s
    done = 0
    while time.monotonic() < deadline:
        async with engine.connect() as conn:
            done = (await conn.execute(_DONE, {"tag": tag})).scalar_one()
        if done >= n:
            break
        await asyncio.sleep(0.25)
    return int(done)


async def wait_settled(engine: AsyncEngine, timeout_s: float) -> None:
    """Wait until no job is waiting or running (the backlog of the last step is done)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        async with engine.connect() as conn:
            if not (await conn.execute(_UNSETTLED)).scalar_one():
                return
        await asyncio.sleep(0.5)


async def sustained(
    engine: AsyncEngine, settings: Settings, rate: float, seconds: float, tag: str
) -> dict[str, float]:
    """Completions per second in the steady part of a ``seconds`` long offered load."""
    t0 = time.time()
    sent = await paced_enqueue(engine, settings, rate, seconds, tag)
    t1 = time.time()
    warm = min(10.0, seconds / 4)
    async with engine.connect() as conn:
        n = (await conn.execute(_WINDOW, {"tag": tag, "t0": t0 + warm, "t1": t1})).scalar_one()
    return {"offered": sent / (t1 - t0), "completed_per_s": n / (t1 - t0 - warm), "sent": sent}


async def latency(
    engine: AsyncEngine, settings: Settings, rate: float, seconds: float, tag: str
) -> dict[str, float]:
    """Enqueue->started and enqueue->completed percentiles at an offered load."""
    sent = await paced_enqueue(engine, settings, rate, seconds, tag)
    done = await wait_done(engine, tag, sent, 120)
    async with engine.connect() as conn:
        rows = (await conn.execute(_LAT, {"tag": tag})).all()
    started = [float(r[0]) for r in rows]
    completed = [float(r[1]) for r in rows]
    return {
        "sent": sent,
        "done": done,
        "started_p50": pct(started, 50),
        "started_p99": pct(started, 99),
        "completed_p50": pct(completed, 50),
        "completed_p99": pct(completed, 99),
        "completed_mean": statistics.fmean(completed) if completed else float("nan"),
    }


async def drain(engine: AsyncEngine, settings: Settings, n: int, tag: str) -> float:
    """Jobs/s to finish a backlog of n jobs enqueued at once (the peers' measure)."""
    queue = QueueService(engine, Topics(settings.topic_prefix))
    start = time.monotonic()
    for i in range(0, n, 500):
        jobs = [queue.build(JobType.NOOP, {"tag": tag}) for _ in range(min(500, n - i))]
        async with engine.begin() as conn:
            await queue.submit_many_in(conn, jobs)
    await wait_done(engine, tag, n, 600)
    return n / (time.monotonic() - start)


async def api_rate(
    url: str, method: str, headers: dict[str, str], seconds: float, body: dict[str, Any] | None = None
) -> float:
    """Successful requests/s one endpoint answers with API_CONCURRENCY requests in flight."""
    ok = 0
    deadline = time.monotonic() + seconds

    async def loop(client: httpx.AsyncClient) -> None:
        nonlocal ok
        while time.monotonic() < deadline:
            resp = await client.request(method, url, json=body, headers=headers)
            ok += resp.status_code < 300

    start = time.monotonic()
    async with httpx.AsyncClient(timeout=30) as client:
        await asyncio.gather(*(loop(client) for _ in range(API_CONCURRENCY)))
    return ok / (time.monotonic() - start)
