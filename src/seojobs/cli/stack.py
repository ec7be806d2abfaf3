"""`seojobs stack up|down|status`, `seojobs migrate` and `seojobs topics [--check]`."""

from __future__ import annotations

import asyncio

import typer

from seojobs.adapters.db.migrate import upgrade
from seojobs.adapters.kafka.admin import ensure_topics
from seojobs.adapters.kafka.connect import connection_from
from seojobs.adapters.kafka.topic_health import check_topics, project_specs
from seojobs.cli.common import console, run, settings
from seojobs.settings import Settings
from seojobs.stack import cluster, kafka, postgres
from seojobs.stack.cluster_config import bootstrap
from seojobs.stack.cluster_security import stack_user, write_client_env
from seojobs.stack.procs import StackError

app = typer.Typer(no_args_is_help=True)

#: Shown when topics differ from the settings: the broker does not change replication by itself.
REASSIGN_HINT = (
    "Topics created before the settings changed keep their old layout: Kafka never changes a "
    "topic's replication by itself. Reassigning partitions is an operator step (README, "
    "'Changing the replication of existing topics'): kafka-reassign-partitions.sh "
    "--bootstrap-server HOST:PORT --reassignment-json-file plan.json --execute, and "
    "kafka-configs.sh --alter --entity-type topics --entity-name TOPIC --add-config "
    "min.insync.replicas=N; more partitions: kafka-topics.sh --alter --partitions N."
)


def _kafka_up(cfg: Settings, brokers: int) -> str:
    if brokers == 1:
        return kafka.up(cfg.stack_dir, cfg.kafka_port)
    if brokers != 3:
        raise StackError("the native stack runs 1 broker or a cluster of 3")
    nodes = cluster.cluster_at(cfg.stack_dir, cfg.kafka_cluster_port)
    user = stack_user(nodes.client_env)
    said = cluster.up(nodes, user)
    write_client_env(nodes.client_env, bootstrap(nodes.nodes, sasl=True), nodes.cafile, user)
    return (
        f"{said}\nClients: KAFKA_BOOTSTRAP_SERVERS={bootstrap(nodes.nodes)} (PLAINTEXT); the "
        f"SASL_SSL settings are in {nodes.client_env}"
    )


@app.command()
def up(
    brokers: int = typer.Option(
        1,
        help="1: a single dev broker; 3: a native 3-node KRaft cluster "
        "(set KAFKA_BOOTSTRAP_SERVERS to its nodes)",
    ),
) -> None:
    """Install (if needed) and start PostgreSQL and Kafka, migrate, create the topics."""
    cfg = settings()
    try:
        with console.status("PostgreSQL: installing if needed and starting..."):
            console.print(postgres.up(cfg.stack_dir, cfg.pg_port))
        with console.status("Kafka: fetching from Maven Central if needed, formatting, starting..."):
            console.print(_kafka_up(cfg, brokers))
        with console.status("Migrating the database..."):
            upgrade(cfg.database_url)
        with console.status("Creating topics..."):
            created = asyncio.run(
                ensure_topics(connection_from(cfg), project_specs(cfg.topics, cfg.retry_steps))
            )
    except StackError as exc:
        console.print(f"[red]stack up failed:[/red] {exc.message}")
        raise typer.Exit(1) from exc
    console.print(f"Schema at head; {len(created)} topics created. [green]Stack is up.[/green]")


@app.command()
def down() -> None:
    """Stop the PostgreSQL and Kafka (single broker or cluster) this project started (nothing else)."""
    cfg = settings()
    nodes = cluster.cluster_at(cfg.stack_dir, cfg.kafka_cluster_port)
    if cluster.running(nodes):
        console.print(cluster.down(nodes))
    console.print(kafka.down(cfg.stack_dir))
    console.print(postgres.down(cfg.stack_dir))


@app.command()
def status() -> None:
    """Say whether PostgreSQL and Kafka answer; for the cluster each node, the quorum, under-replication."""
    cfg = settings()
    console.print(postgres.status(cfg.pg_port))
    nodes = cluster.cluster_at(cfg.stack_dir, cfg.kafka_cluster_port)
    if cluster.running(nodes):
        for line in cluster.node_lines(nodes):
            console.print(f"Kafka {line}")
        console.print(f"Kafka cluster {cluster.under_replicated_line(bootstrap(nodes.nodes))}")
    else:
        console.print(kafka.status(cfg.kafka_port))


def migrate() -> None:
    """Bring the database schema to the latest revision."""
    cfg = settings()
    upgrade(cfg.database_url)
    console.print("Schema at head.")


def topics(
    check: bool = typer.Option(
        False, "--check", help="Compare partitions, replication and min ISR with the settings; change nothing"
    ),
) -> None:
    """Create the project's Kafka topics (partitions, retention, replication) if missing, or check them."""
    cfg = settings()
    specs = project_specs(cfg.topics, cfg.retry_steps)
    if not check:
        created = run(ensure_topics(connection_from(cfg), specs))
        console.print(f"{len(created)} topics created, {len(specs) - len(created)} already there.")
        return
    report = run(check_topics(connection_from(cfg), specs))
    for diff in report.differences:
        console.print(diff.describe())
    for topic, n in sorted(report.under_replicated.items()):
        console.print(f"{topic}: {n} partitions under-replicated")
    if report.differences:
        console.print(
            f"[red]{len(report.differences)} differences[/red] on {len(specs)} topics "
            f"({report.brokers} brokers).\n{REASSIGN_HINT}"
        )
        raise typer.Exit(1)
    console.print(f"{len(specs)} topics match the settings ({report.brokers} brokers).")
