"""`seojobs top`: a live terminal view of queues, lag, throughput and recent failures."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

import typer
from rich.console import Group
from rich.live import Live
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db import insights
from seojobs.adapters.kafka.admin import KafkaUnavailable
from seojobs.adapters.kafka.connect import connection_from
from seojobs.adapters.kafka.lag import TopicLag, read_lag, watches
from seojobs.cli.common import console, run, settings, with_engine
from seojobs.domain.topics import Topics
from seojobs.settings import Settings

#: Seconds between two frames.
DEFAULT_INTERVAL_S = 2.0
#: Minutes of throughput shown.
THROUGHPUT_MINUTES = 10
#: Failures shown.
FAILURES_SHOWN = 5


@dataclass(frozen=True)
class Frame:
    """What one screen shows."""

    lags: list[TopicLag] | None
    open_jobs: list[dict[str, Any]]
    throughput: list[dict[str, Any]]
    failures: list[dict[str, Any]]


async def read_frame(cfg: Settings, engine: AsyncEngine) -> Frame:
    """Read Kafka and the database once."""
    try:
        lags: list[TopicLag] | None = await read_lag(
            connection_from(cfg), watches(Topics(cfg.topic_prefix), cfg.retry_steps)
        )
    except KafkaUnavailable:
        lags = None
    return Frame(
        lags,
        await insights.open_jobs(engine),
        await insights.throughput(engine, THROUGHPUT_MINUTES, 60),
        await insights.recent_failures(engine, FAILURES_SHOWN),
    )


def render(frame: Frame) -> Group:
    """The frame as rich tables."""
    queues = Table("service", "lane", "written", "consumed", "lag", title="Queues (Kafka)")
    for x in frame.lags or []:
        lag = f"[bold yellow]{x.lag}[/]" if x.lag else "0"
        queues.add_row(x.watch.service, x.watch.lane, str(x.end), str(x.committed), lag)
    if frame.lags is None:
        queues.add_row("[red]Kafka unavailable[/]", "", "", "", "")
    jobs = Table("type", "pending", "processing", title="Open jobs")
    for entry in frame.open_jobs:
        jobs.add_row(entry["type"], str(entry["pending"]), str(entry["processing"]))
    done = sum(b["completed"] for b in frame.throughput)
    failed = sum(b["failed"] for b in frame.throughput)
    rate = f"{100 * failed / (done + failed):.1f}%" if done + failed else "-"
    spark = " ".join(str(b["completed"]) for b in frame.throughput)
    summary = (
        f"last {THROUGHPUT_MINUTES} min: {done} completed, {failed} failed (failure rate {rate})\n"
        f"completed per minute: {spark}"
    )
    failures = Table("job", "type", "error", "when", title="Recent failures")
    for f in frame.failures:
        failures.add_row(f["id"][:8], f["type"], (f["error"] or "")[:80], f["completedAt"] or "")
    return Group(queues, jobs, summary, failures)


async def _watch(cfg: Settings, engine: AsyncEngine, interval_s: float) -> None:
    with Live(console=console, refresh_per_second=4, screen=False) as live:
        while True:
            live.update(render(await read_frame(cfg, engine)))
            await asyncio.sleep(interval_s)


def top(
    once: bool = typer.Option(False, "--once", help="Print one frame and exit."),
    interval: float = typer.Option(DEFAULT_INTERVAL_S, help="Seconds between frames."),
) -> None:
    """Live queues, consumer lag, throughput and recent failures (Ctrl-C to quit)."""
    cfg = settings()
    if once:
        console.print(render(run(with_engine(cfg, lambda e: read_frame(cfg, e)))))
        return
    with contextlib.suppress(KeyboardInterrupt):
        run(with_engine(cfg, lambda e: _watch(cfg, e, interval)))
