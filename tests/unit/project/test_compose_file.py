"""docker-compose.yml cannot run here (no Docker engine), so it is checked against the code."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import yaml
from typer.main import get_command

from seojobs.cli.main import app
from seojobs.settings import Settings
from seojobs.stack.kafka import OPEN_FILES

ROOT = Path(__file__).resolve().parents[3]


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def known_env_names() -> set[str]:
    """Every environment variable Settings reads (aliases and SEOJOBS_-prefixed field names)."""
    names: set[str] = set()
    for name, field in Settings.model_fields.items():
        names.add(f"SEOJOBS_{name.upper()}")
        alias = field.validation_alias
        choices = getattr(alias, "choices", None)
        if choices:
            names.update(str(c) for c in choices)
    return names


def test_every_service_command_exists_in_the_code() -> None:
    cli = get_command(app)
    for name, service in compose()["services"].items():
        command = service.get("command")
        if command is None:
            continue
        if command[:2] == ["python", "-m"]:
            assert importlib.util.find_spec(command[2] + ".__main__") is not None, name
        else:
            for part in " ".join(command).split("&&"):
                words = part.replace("sh -c", "").split()
                if words and words[0] == "seojobs":
                    assert words[1] in cli.commands, f"{name}: seojobs {words[1]}"  # type: ignore[attr-defined]


def test_every_env_var_the_services_get_is_a_setting() -> None:
    known = known_env_names()
    for name, service in compose()["services"].items():
        if service.get("image", "").startswith(("postgres", "apache/kafka")):
            continue
        env = service.get("environment") or {}
        unknown = set(env) - known
        assert not unknown, f"{name} sets variables no code reads: {unknown}"


def test_the_application_services_are_all_there_with_healthchecked_dependencies() -> None:
    services = compose()["services"]
    wanted = {"api", "relay", "projector", "crawler", "analyzer", "maintenance", "postgres", "kafka"}
    assert wanted <= set(services)
    assert services["kafka"]["image"].startswith("apache/kafka:4.")
    assert services["init"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert all("healthcheck" in services[s] for s in ("postgres", "kafka", "api"))
    assert (ROOT / "Dockerfile").exists()


def test_the_broker_may_open_as_many_files_as_the_native_stack_allows_it() -> None:
    nofile = compose()["services"]["kafka"]["ulimits"]["nofile"]
    assert nofile == {"soft": OPEN_FILES, "hard": OPEN_FILES}


#: Settings of a node that do not depend on where it runs (ports, paths, TLS and names do).
SHARED_BROKER_KEYS = (
    "process.roles",
    "num.partitions",
    "default.replication.factor",
    "min.insync.replicas",
    "offsets.topic.replication.factor",
    "offsets.topic.num.partitions",
    "transaction.state.log.replication.factor",
    "transaction.state.log.min.isr",
    "share.coordinator.state.topic.replication.factor",
    "share.coordinator.state.topic.min.isr",
    "unclean.leader.election.enable",
    "broker.heartbeat.interval.ms",
    "broker.session.timeout.ms",
    "group.initial.rebalance.delay.ms",
    "log.retention.hours",
    "message.max.bytes",
)


def broker_env_as_properties(env: dict[str, str]) -> dict[str, str]:
    """The apache/kafka image's KAFKA_FOO_BAR variables as foo.bar properties."""
    return {
        k[len("KAFKA_") :].lower().replace("_", "."): str(v) for k, v in env.items() if k.startswith("KAFKA_")
    }


def test_the_cluster_profile_runs_three_nodes_set_as_the_native_cluster() -> None:
    from tests.unit.kafka.test_kafka_replication import native_properties

    services = compose()["services"]
    nodes = [services[f"kafka-{i}"] for i in (1, 2, 3)]
    ids = set()
    for index, node in enumerate(nodes):
        assert node["profiles"] == ["cluster"]
        assert node["image"] == services["kafka"]["image"]
        props = broker_env_as_properties(node["environment"])
        native = native_properties(index)
        assert {k: props.get(k) for k in SHARED_BROKER_KEYS} == {k: native[k] for k in SHARED_BROKER_KEYS}
        assert props["node.id"] == native["node.id"]
        assert props["controller.quorum.voters"].count("@") == native["controller.quorum.voters"].count("@")
        assert node["ulimits"]["nofile"] == {"soft": OPEN_FILES, "hard": OPEN_FILES}
        ids.add(props["node.id"])
    assert ids == {"1", "2", "3"}
