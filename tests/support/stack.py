"""Where the tests find PostgreSQL and Kafka: the native stack, or testcontainers with Docker."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seojobs.settings import DEFAULT_KAFKA_PORT, DEFAULT_PG_PORT

#: The settings every test shares besides its database and Kafka: short timings, no scheduler.
TEST_SETTINGS: dict[str, Any] = {
    "cron_secret": "test-cron-secret",
    "retry_delays_s": (1.0, 2.0, 3.0),
    "relay_poll_interval_s": 0.2,
    "scheduler_enabled": False,
    "crawl_allowed_private": "127.0.0.0/8",
    "anthropic_api_key": "",
}


@dataclass(frozen=True)
class StackAddress:
    """Host/port of the database server and bootstrap servers of Kafka."""

    pg_host: str
    pg_port: int
    pg_user: str
    pg_password: str
    kafka_bootstrap: str

    def sqlalchemy_url(self, db: str) -> str:
        """A SQLAlchemy URL (psycopg 3 driver) for one database."""
        return f"postgresql+psycopg://{self.pg_user}:{self.pg_password}@{self.pg_host}:{self.pg_port}/{db}"

    def libpq_url(self, db: str) -> str:
        """A libpq URL for one database."""
        return f"postgresql://{self.pg_user}:{self.pg_password}@{self.pg_host}:{self.pg_port}/{db}"


def _docker_available() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0


@contextmanager
def stack_address() -> Iterator[StackAddress]:
    """The native stack when its address is configured or no Docker engine runs; else containers."""
    configured = "KAFKA_BOOTSTRAP_SERVERS" in os.environ or "SEOJOBS_NATIVE_STACK" in os.environ
    if configured or not _docker_available():
        yield StackAddress(
            pg_host="127.0.0.1",
            pg_port=int(os.environ.get("SEOJOBS_PG_PORT", DEFAULT_PG_PORT)),
            pg_user="seojobs",
            pg_password="seojobs",
            kafka_bootstrap=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{DEFAULT_KAFKA_PORT}"),
        )
        return
    from testcontainers.kafka import KafkaContainer
    from testcontainers.postgres import PostgresContainer

    with (
        PostgresContainer("postgres:16", username="seojobs", password="seojobs") as pg,
        KafkaContainer("apache/kafka:4.4.0").with_kraft() as kafka,
    ):
        yield StackAddress(
            pg_host=pg.get_container_host_ip(),
            pg_port=int(pg.get_exposed_port(5432)),
            pg_user="seojobs",
            pg_password="seojobs",
            kafka_bootstrap=kafka.get_bootstrap_server(),
        )


@dataclass(frozen=True)
class BrokerControl:
    """Stops and starts the native stack's Kafka broker (fault tests)."""

    stack_dir: Path
    port: int

    def stop(self) -> None:
        """Stop the broker and wait until it is gone."""
        from seojobs.stack import kafka

        kafka.down(self.stack_dir)

    def start(self) -> None:
        """Start the broker again and wait until it answers."""
        from seojobs.stack import kafka

        kafka.up(self.stack_dir, self.port)


def broker_control() -> BrokerControl:
    """The native broker's control (these tests need the native stack, which CI runs)."""
    stack_dir = Path(os.environ.get("SEOJOBS_STACK_DIR", Path(__file__).resolve().parents[2] / ".stack"))
    if not (stack_dir / "kafka" / "kafka.pid").exists():
        raise AssertionError(f"no native Kafka broker in {stack_dir}: run `seojobs stack up` first")
    return BrokerControl(stack_dir, int(os.environ.get("SEOJOBS_KAFKA_PORT", DEFAULT_KAFKA_PORT)))
