"""`seojobs topics --check` and `seojobs stack status` against the native 3-node cluster."""

from __future__ import annotations

import asyncio

import pytest
from typer.testing import CliRunner

from seojobs.adapters.kafka.admin import ensure_topics
from seojobs.adapters.kafka.topic_health import describe, project_specs
from seojobs.cli.main import app
from seojobs.domain.cluster import KafkaConnection
from seojobs.domain.topics import Topics
from tests.support.cluster import TEST_CLUSTER_PORT, TEST_STACK_DIR, ClusterHandle

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def _cli(kafka_cluster: ClusterHandle, prefix: str, *args: str, **env: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(
        app,
        list(args),
        env={
            "KAFKA_BOOTSTRAP_SERVERS": kafka_cluster.bootstrap,
            "SEOJOBS_TOPIC_PREFIX": prefix,
            "SEOJOBS_STACK_DIR": str(TEST_STACK_DIR),
            "SEOJOBS_KAFKA_CLUSTER_PORT": str(TEST_CLUSTER_PORT),
            "COLUMNS": "200",
            **env,
        },
    )


async def _all_listed(conn: KafkaConnection, names: list[str], timeout_s: float = 30.0) -> None:
    """Wait until the cluster's metadata lists every new topic (it follows creations a moment later)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while len(await describe(conn, names)) < len(names):
        assert asyncio.get_running_loop().time() < deadline, "the new topics were not all listed"
        await asyncio.sleep(0.5)


def test_topics_created_with_one_replica_are_reported_with_the_reassignment_hint(
    kafka_cluster: ClusterHandle, topic_prefix: str
) -> None:
    single = KafkaConnection(kafka_cluster.bootstrap, replication_factor=1, min_insync_replicas=1)
    specs = project_specs(Topics(topic_prefix), 3)
    asyncio.run(ensure_topics(single, specs))
    asyncio.run(_all_listed(single, [s.name for s in specs]))

    found = _cli(kafka_cluster, topic_prefix, "topics", "--check")
    assert found.exit_code == 1, found.output
    assert f"{topic_prefix}job.events: replication factor is 1, the settings want 3" in found.output
    assert f"{topic_prefix}job.events: min.insync.replicas is 1, the settings want 2" in found.output
    assert "Reassigning partitions is an operator step" in found.output
    assert f"{2 * len(specs)} differences" in found.output

    same = _cli(
        kafka_cluster,
        topic_prefix,
        "topics",
        "--check",
        SEOJOBS_KAFKA_REPLICATION_FACTOR="1",
        SEOJOBS_KAFKA_MIN_INSYNC_REPLICAS="1",
    )
    assert same.exit_code == 0, same.output
    assert f"{len(specs)} topics match the settings (3 brokers)" in same.output


def test_stack_status_shows_each_node_the_quorum_and_under_replication(
    kafka_cluster: ClusterHandle, topic_prefix: str
) -> None:
    shown = _cli(kafka_cluster, topic_prefix, "stack", "status")
    assert shown.exit_code == 0, shown.output
    for node in kafka_cluster.cluster.nodes:
        assert f"node {node.node_id} on 127.0.0.1:{node.broker_port}" in shown.output
    assert shown.output.count(": up; quorum leader ") == 3
    assert "voters [1, 2, 3]" in shown.output
    assert "under-replicated partitions: 0" in shown.output
