"""`seojobs enqueue ...`, `status [--follow]`, `list`, `stats`."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from seojobs.adapters.db.job_store import JobStore, job_to_api
from seojobs.cli.common import console, run, settings, with_engine
from seojobs.domain.jobs import JobStatus, JobType, is_terminal
from seojobs.domain.topics import Topics
from seojobs.queue_service import QueueService
from seojobs.settings import Settings

enqueue = typer.Typer(no_args_is_help=True)

#: How often --follow looks at the job, seconds.
FOLLOW_EVERY_S = 0.2


def _queue(cfg: Settings, engine: Any) -> QueueService:
    return QueueService(engine, Topics(cfg.topic_prefix), max_attempts=cfg.job_max_attempts)


def _store(cfg: Settings, engine: Any) -> JobStore:
    return JobStore(engine, Topics(cfg.topic_prefix))


def _enqueued(job_id: uuid.UUID) -> None:
    console.print(f"job {job_id} queued; follow it with: seojobs status {job_id} --follow")


@enqueue.command("crawl")
def enqueue_crawl(site_id: uuid.UUID, user_id: uuid.UUID, max_pages: int = 10, priority: int = 5) -> None:
    """Queue a crawl of a site."""
    cfg = settings()
    _enqueued(
        run(with_engine(cfg, lambda e: _queue(cfg, e).enqueue_crawl(site_id, user_id, max_pages, priority)))
    )


@enqueue.command("analysis")
def enqueue_analysis(site_id: uuid.UUID, user_id: uuid.UUID, priority: int = 5) -> None:
    """Queue an analysis of a site's latest crawl."""
    cfg = settings()
    _enqueued(run(with_engine(cfg, lambda e: _queue(cfg, e).enqueue_analysis(site_id, user_id, priority))))


@enqueue.command("cleanup")
def enqueue_cleanup(days_old: int = 90, priority: int = 2) -> None:
    """Queue the cleanup of expired rollbacks and old data."""
    cfg = settings()
    _enqueued(run(with_engine(cfg, lambda e: _queue(cfg, e).enqueue_rollback_cleanup(days_old, priority))))


@enqueue.command("usage-reset")
def enqueue_usage_reset(month: str, priority: int = 2) -> None:
    """Queue the monthly usage reset (MONTH as YYYY-MM)."""
    cfg = settings()
    _enqueued(run(with_engine(cfg, lambda e: _queue(cfg, e).enqueue_usage_reset(month, priority))))


async def follow(store: JobStore, job_id: uuid.UUID, live: bool) -> dict[str, Any]:
    """Show the job's progress until it ends (or once, without ``live``); return it."""
    job = job_to_api(await store.get(job_id))
    if not live:
        return job
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(f"{job['type']} {job['status']}", total=100)
        while True:
            job = job_to_api(await store.get(job_id))
            bar.update(task, completed=job["progress"], description=f"{job['type']} {job['status']}")
            if is_terminal(JobStatus(job["status"])):
                return job
            await asyncio.sleep(FOLLOW_EVERY_S)


def status(
    job_id: uuid.UUID, follow_: bool = typer.Option(False, "--follow", "-f", help="Live progress until done.")
) -> None:
    """Show a job; with --follow, a live progress bar and then its result."""
    cfg = settings()
    job = run(with_engine(cfg, lambda e: follow(_store(cfg, e), job_id, follow_)))
    console.print_json(json.dumps(job))
    if job["status"] == JobStatus.FAILED.value:
        raise typer.Exit(2)


def list_jobs(
    type_: JobType = typer.Option(None, "--type"),
    status_: JobStatus = typer.Option(None, "--status"),
    limit: int = 20,
) -> None:
    """List the newest jobs."""
    cfg = settings()
    jobs = run(with_engine(cfg, lambda e: _store(cfg, e).list(type_, status_, limit)))
    table = Table("id", "type", "status", "progress", "attempts", "created")
    for j in jobs:
        table.add_row(
            str(j.id), j.type, j.status, f"{j.progress}%", str(j.attempts), j.created_at.isoformat()
        )
    console.print(table)


def stats() -> None:
    """Counts of jobs per status."""
    cfg = settings()
    console.print_json(json.dumps(run(with_engine(cfg, lambda e: _store(cfg, e).stats()))))
