"""A native 3-node cluster for the tests that need one: started once per session, stopped after."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from seojobs.adapters.kafka.admin import admin_client
from seojobs.domain.cluster import KafkaConnection
from seojobs.settings import Settings
from seojobs.stack import cluster
from seojobs.stack.cluster_config import SCRAM_MECHANISM, NodeLayout, bootstrap
from seojobs.stack.cluster_security import ScramUser
from tests.support.stack import TEST_SETTINGS

ROOT = Path(__file__).resolve().parents[2]
#: First broker port of the test cluster (controllers at +100, SASL_SSL at +300).
TEST_CLUSTER_PORT = int(os.environ.get("SEOJOBS_TEST_CLUSTER_PORT", "29092"))
#: The stack folder the test cluster lives in (as `seojobs stack up --brokers 3` would lay it out).
TEST_STACK_DIR = ROOT / ".stack" / "test"


@dataclass(frozen=True)
class ClusterHandle:
    """The running test cluster, its SCRAM user and the faults the chaos tests inflict on it."""

    cluster: cluster.Cluster
    user: ScramUser

    @property
    def bootstrap(self) -> str:
        """The plaintext listeners."""
        return bootstrap(self.cluster.nodes)

    def sasl(self, password: str | None = None) -> KafkaConnection:
        """A SASL_SSL connection as the test user (or with another password)."""
        return KafkaConnection(
            bootstrap(self.cluster.nodes, sasl=True),
            "SASL_SSL",
            SCRAM_MECHANISM,
            self.user.name,
            self.user.password if password is None else password,
            self.cluster.cafile,
        )

    def node(self, node_id: int) -> NodeLayout:
        """One node's layout."""
        return next(n for n in self.cluster.nodes if n.node_id == node_id)

    def kill(self, node_id: int) -> None:
        """SIGKILL one node."""
        cluster.kill_node(self.cluster, self.node(node_id))

    def stop(self, node_id: int) -> None:
        """Controlled shutdown of one node."""
        cluster.stop_node(self.cluster, self.node(node_id))

    def wipe(self, node_id: int) -> None:
        """Delete a stopped node's data directory."""
        cluster.wipe_node(self.cluster, self.node(node_id))

    def start(self, node_id: int) -> None:
        """Start one node again and wait until it answers."""
        cluster.start_node(self.cluster, self.node(node_id))
        cluster.wait_node(self.cluster, self.node(node_id))


async def partition_layout(
    bootstrap_servers: str, topics: list[str]
) -> dict[tuple[str, int], tuple[int, list[int]]]:
    """The leader broker and the in-sync replicas of every partition of these topics."""
    admin = admin_client(bootstrap_servers)
    await admin.start()
    try:
        return {
            (d["topic"], p["partition"]): (p["leader"], list(p["isr"]))
            for d in await admin.describe_topics(topics)
            for p in d["partitions"]
        }
    finally:
        await admin.close()


async def leaders(bootstrap_servers: str, topics: list[str]) -> dict[tuple[str, int], int]:
    """The leader broker of every partition of these topics."""
    return {tp: leader for tp, (leader, _) in (await partition_layout(bootstrap_servers, topics)).items()}


def cluster_settings(
    handle: ClusterHandle, database_url: str, topic_prefix: str, connection: KafkaConnection | None = None
) -> Settings:
    """The shared test settings, with Kafka on the cluster (plaintext, or the given connection)."""
    conn = connection or KafkaConnection(handle.bootstrap)
    return Settings(
        database_url=database_url,
        kafka_bootstrap_servers=conn.bootstrap,
        kafka_security_protocol=conn.security_protocol,
        kafka_sasl_username=conn.sasl_username,
        kafka_sasl_password=conn.sasl_password,
        kafka_ssl_cafile=conn.ssl_cafile,
        topic_prefix=topic_prefix,
        **TEST_SETTINGS,
    )


def connection_env(conn: KafkaConnection) -> dict[str, str]:
    """The environment that gives a service process this connection's security settings."""
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": conn.bootstrap,
        "SEOJOBS_KAFKA_SECURITY_PROTOCOL": conn.security_protocol,
        "SEOJOBS_KAFKA_SASL_MECHANISM": conn.sasl_mechanism,
        "SEOJOBS_KAFKA_SASL_USERNAME": conn.sasl_username,
        "SEOJOBS_KAFKA_SASL_PASSWORD": conn.sasl_password,
    }
    if conn.ssl_cafile is not None:
        env["SEOJOBS_KAFKA_SSL_CAFILE"] = str(conn.ssl_cafile)
    return env


@contextmanager
def running_cluster() -> Iterator[ClusterHandle]:
    """A freshly formatted cluster under .stack/test-cluster; every node stopped afterwards."""
    root = cluster.cluster_at(TEST_STACK_DIR, TEST_CLUSTER_PORT).root
    handle = ClusterHandle(
        cluster.Cluster(root, TEST_CLUSTER_PORT), ScramUser("seojobs-test", secrets.token_urlsafe(12))
    )
    cluster.down(handle.cluster)
    shutil.rmtree(root, ignore_errors=True)
    try:
        cluster.up(handle.cluster, handle.user)
        asyncio.run(_brokers_registered(handle.bootstrap))
        yield handle
    finally:
        cluster.down(handle.cluster)


async def _brokers_registered(bootstrap_servers: str) -> None:
    admin = admin_client(bootstrap_servers)
    await admin.start()
    try:
        for _ in range(200):
            if len((await admin.describe_cluster())["brokers"]) == len(bootstrap_servers.split(",")):
                return
            await asyncio.sleep(0.2)
        raise AssertionError("the cluster's brokers did not all register")
    finally:
        await admin.close()
