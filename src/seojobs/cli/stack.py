"""`seojobs stack up|down|status` and `seojobs migrate`."""

from __future__ import annotations

import asyncio

import typer

from seojobs.adapters.db.migrate import upgrade
from seojobs.adapters.kafka.admin import ensure_topics
from seojobs.cli.common import console, settings
from seojobs.stack import kafka, postgres
from seojobs.stack.procs import StackError

app = typer.Typer(no_args_is_help=True)


@app.command()
def up() -> None:
    """Install (if needed) and start PostgreSQL and Kafka, migrate, create the topics."""
    cfg = settings()
    try:
        with console.status("PostgreSQL: installing if needed and starting..."):
            console.print(postgres.up(cfg.stack_dir, cfg.pg_port))
        with console.status("Kafka: fetching from Maven Central if needed, formatting, starting..."):
            console.print(kafka.up(cfg.stack_dir, cfg.kafka_port))
        with console.status("Migrating the database..."):
            upgrade(cfg.database_url)
        with console.status("Creating topics..."):
            created = asyncio.run(ensure_topics(cfg.kafka_bootstrap_servers,
                                                cfg.topics.all_specs(cfg.retry_steps)))
    except StackError as exc:
        console.print(f"[red]stack up failed:[/red] {exc.message}")
        raise typer.Exit(1) from exc
    console.print(f"Schema at head; {len(created)} topics created. [green]Stack is up.[/green]")


@app.command()
def down() -> None:
    """Stop the PostgreSQL and Kafka this project started (nothing else)."""
    cfg = settings()
    console.print(kafka.down(cfg.stack_dir))
    console.print(postgres.down(cfg.stack_dir))


@app.command()
def status() -> None:
    """Say whether PostgreSQL and Kafka answer."""
    cfg = settings()
    console.print(postgres.status(cfg.pg_port))
    console.print(kafka.status(cfg.kafka_port))


def migrate() -> None:
    """Bring the database schema to the latest revision."""
    cfg = settings()
    upgrade(cfg.database_url)
    console.print("Schema at head.")


def topics() -> None:
    """Create the project's Kafka topics (explicit partitions and retention) if missing."""
    cfg = settings()
    specs = cfg.topics.all_specs(cfg.retry_steps)
    created = asyncio.run(ensure_topics(cfg.kafka_bootstrap_servers, specs))
    console.print(f"{len(created)} topics created, {len(specs) - len(created)} already there.")
