"""/metrics, the Kafka lag reading and `seojobs top --once` on real PostgreSQL and Kafka."""

from __future__ import annotations

import asyncio
import os
import sys

import httpx
import pytest
from sqlalchemy import text

from seojobs.adapters.kafka.lag import read_lag, watches
from seojobs.settings import Settings
from tests.integration.live.conftest import LiveStack
from tests.support.services import ROOT, settings_env, wait_for

pytestmark = pytest.mark.integration


async def test_metrics_count_projected_events_and_show_backlog_and_lag(
    live: LiveStack, settings: Settings
) -> None:
    owner = await live.user()
    jobs = [await live.job(owner) for _ in range(3)]
    for job in jobs:
        await live.start(job)
    group = f"{settings.topic_prefix}seojobs-projector"
    watched = [w for w in watches(live.topics, settings.retry_steps) if w.group == group]

    seen: list[object] = []

    async def projector_caught_up() -> bool:
        lags = await read_lag(settings.kafka_bootstrap_servers, watched)
        seen[:] = lags
        return bool(lags) and lags[0].end == 3 and lags[0].lag == 0

    await wait_for(projector_caught_up, 20, lambda: f"the projector to catch up (last reading {seen})")
    async with httpx.AsyncClient(timeout=20) as http:
        resp = await http.get(f"{live.url}/metrics")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/plain")
    body = resp.text
    samples = dict(line.rsplit(" ", 1) for line in body.splitlines() if line and not line.startswith("#"))
    async with live.engine.connect() as conn:
        backlog = (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar()
    assert backlog and float(samples["seojobs_outbox_backlog"]) == backlog  # no relay runs in this test
    assert samples[f'seojobs_consumer_lag{{group="{group}",topic="{live.topics.job_events}"}}'] == "0.0"
    assert float(samples['seojobs_projector_events_total{event="job.started"}']) >= 3
    for name in (
        "seojobs_jobs_enqueued_total",
        "seojobs_job_duration_seconds",
        "seojobs_crawl_pages_total",
        "seojobs_llm_tokens_total",
        "seojobs_live_subscribers",
    ):
        assert f"# TYPE {name.removesuffix('_total')}" in body, name


async def test_top_once_prints_queues_open_jobs_and_throughput(live: LiveStack, settings: Settings) -> None:
    owner = await live.user()
    await live.job(owner)
    env = {**os.environ, **settings_env(settings), "COLUMNS": "160"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "seojobs.cli.main",
        "top",
        "--once",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    text = out.decode()
    assert proc.returncode == 0, text
    assert "Queues (Kafka)" in text and "maintenance" in text and "projector" in text
    assert "SYNC_METRICS" in text and "Open jobs" in text
    assert "last 10 min:" in text and "Recent failures" in text
