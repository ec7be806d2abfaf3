"""`seojobs replay rebuild | jobs | topic`: rebuild the jobs table, run finished jobs again.

Work and event topics keep their messages for 30 days (RETENTION_MS in seojobs.domain.topics):
a rebuild or a topic replay reaches back that far at most.
"""

from __future__ import annotations

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs import replay as core
from seojobs.adapters.kafka.connect import connection_from
from seojobs.cli.common import console, run, settings, with_engine
from seojobs.domain.jobs import JobType
from seojobs.domain.topics import Topics

_RETENTION = f"Work and event topics keep {core.RETENTION_DAYS} days of messages."

replay = typer.Typer(no_args_is_help=True, help=f"Rebuild the jobs table, reprocess jobs. {_RETENTION}")


@replay.command(
    "rebuild",
    help=(
        "Project the job-event topic from its beginning (a fresh consumer group, drain mode) into a "
        "database that has the schema and an empty jobs table, and say what was applied. "
        f"{_RETENTION} A rebuild holds the jobs of that window only."
    ),
)
def rebuild(
    database_url: str = typer.Option(
        None, "--database-url", help="The target database (default: DATABASE_URL)."
    ),
) -> None:
    """Rebuild the jobs table from the job-event topic."""
    cfg = settings()
    if database_url:
        cfg = cfg.model_copy(update={"database_url": database_url})
    topics = Topics(cfg.topic_prefix)
    stats = run(with_engine(cfg, lambda e: core.rebuild(e, connection_from(cfg), topics)))
    console.print(
        f"rebuilt from {topics.job_events}: {stats.events} events read in {stats.batches} "
        f"batches, {stats.changes} changes applied, {stats.rejected} rejected"
    )


@replay.command(
    "jobs",
    help=(
        "Run again the finished jobs of a type created in [--since, --until) as new attempt series "
        f"(their history stays). --dry-run lists them and changes nothing. {_RETENTION}"
    ),
)
def jobs(
    job_type: JobType = typer.Option(..., "--type", help="The job type, e.g. CRAWL_SITE."),
    since: str = typer.Option(..., "--since", help="ISO time, inclusive (UTC without a zone)."),
    until: str = typer.Option(..., "--until", help="ISO time, exclusive (UTC without a zone)."),
    status: str = typer.Option(None, "--status", help="e.g. COMPLETED,FAILED (default: finished)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would run."),
) -> None:
    """Reprocess finished jobs of a type and time window."""
    cfg = settings()

    async def body(engine: AsyncEngine) -> core.Reprocess:
        since_at, until_at = core.parse_instant(since, "since"), core.parse_instant(until, "until")
        return await core.reprocess(
            engine,
            Topics(cfg.topic_prefix),
            job_type,
            since_at,
            until_at,
            core.parse_statuses(status),
            dry_run=dry_run,
        )

    out = run(with_engine(cfg, body))
    table = Table("job", "status", "created")
    for s in out.selected:
        table.add_row(str(s.job_id), s.status, s.created_at.isoformat())
    console.print(table)
    if dry_run:
        console.print(f"dry run: {len(out.selected)} job(s) would run again; nothing changed")
    else:
        console.print(f"{len(out.reopened)} job(s) reopened as a new attempt series")


@replay.command(
    "topic",
    help=(
        "Run again the finished jobs that have messages on a work or event topic from --from onward "
        "(found with offsets_for_times), as new attempt series; jobs still running are skipped and "
        f"listed. {_RETENTION} Messages older than that are gone."
    ),
)
def topic(
    name: str = typer.Argument(..., help="e.g. crawler.requested.high or job.events"),
    from_: str = typer.Option(..., "--from", help="ISO time (UTC without a zone)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would run."),
) -> None:
    """Reprocess the jobs of a topic from a point in time."""
    cfg = settings()

    async def body(engine: AsyncEngine) -> core.TopicReplay:
        return await core.replay_topic(
            engine,
            connection_from(cfg),
            Topics(cfg.topic_prefix),
            name,
            core.parse_instant(from_, "from"),
            dry_run=dry_run,
        )

    out = run(with_engine(cfg, body))
    console.print(f"{out.messages} message(s) read, {out.unreadable} without a job")
    for job_id, status in out.still_running:
        console.print(f"skipped {job_id}: still {status}")
    for job_id in out.missing:
        console.print(f"skipped {job_id}: no longer stored")
    if dry_run:
        for job_id in out.would_reopen:
            console.print(f"would run again: {job_id}")
        console.print(f"dry run: {len(out.would_reopen)} job(s) would run again; nothing changed")
    else:
        console.print(f"{len(out.reopened)} job(s) reopened as a new attempt series")
