"""The native 3-node KRaft cluster's layout: ports and server.properties of each node (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Nodes of the native cluster (each is controller and broker).
NODES = 3
#: Offsets from the first broker port: controllers at +100, the SASL_SSL listeners at +300.
CONTROLLER_OFFSET, SASL_OFFSET = 100, 300
#: The SCRAM mechanism the SASL_SSL listener accepts.
SCRAM_MECHANISM = "SCRAM-SHA-512"
#: Replication of every topic on the cluster, the broker's own internal topics included.
REPLICATION, MIN_ISR = 3, 2
#: A broker that misses heartbeats this long is fenced and its partitions get new leaders, ms.
BROKER_SESSION_TIMEOUT_MS = 6000


@dataclass(frozen=True)
class NodeLayout:
    """Where one node of the cluster listens."""

    node_id: int
    broker_port: int
    controller_port: int
    sasl_port: int


def layout(base_port: int, nodes: int = NODES) -> list[NodeLayout]:
    """The nodes of a cluster whose first broker listens on ``base_port``."""
    return [
        NodeLayout(i + 1, base_port + i, base_port + CONTROLLER_OFFSET + i, base_port + SASL_OFFSET + i)
        for i in range(nodes)
    ]


def bootstrap(nodes: list[NodeLayout], sasl: bool = False) -> str:
    """The bootstrap servers of the plaintext (or the SASL_SSL) listeners."""
    return ",".join(f"127.0.0.1:{n.sasl_port if sasl else n.broker_port}" for n in nodes)


def voters(nodes: list[NodeLayout]) -> str:
    """controller.quorum.voters: every node votes."""
    return ",".join(f"{n.node_id}@127.0.0.1:{n.controller_port}" for n in nodes)


@dataclass(frozen=True)
class TlsFiles:
    """The broker's keystore (PKCS#12) and its password."""

    keystore: Path
    password: str


def node_properties(node: NodeLayout, nodes: list[NodeLayout], data: Path, tls: TlsFiles) -> str:
    """server.properties of one node: controller+broker, PLAINTEXT between nodes, SASL_SSL for clients."""
    listeners = (
        f"PLAINTEXT://127.0.0.1:{node.broker_port},SASL_SSL://127.0.0.1:{node.sasl_port},"
        f"CONTROLLER://127.0.0.1:{node.controller_port}"
    )
    jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
    return "\n".join(
        [
            "process.roles=broker,controller",
            f"node.id={node.node_id}",
            f"controller.quorum.voters={voters(nodes)}",
            f"listeners={listeners}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{node.broker_port},"
            f"SASL_SSL://127.0.0.1:{node.sasl_port}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT",
            f"sasl.enabled.mechanisms={SCRAM_MECHANISM}",
            f"listener.name.sasl_ssl.{SCRAM_MECHANISM.lower()}.sasl.jaas.config={jaas}",
            "ssl.keystore.type=PKCS12",
            f"ssl.keystore.location={tls.keystore}",
            f"ssl.keystore.password={tls.password}",
            f"ssl.key.password={tls.password}",
            f"log.dirs={data}",
            "num.partitions=6",
            f"default.replication.factor={REPLICATION}",
            f"min.insync.replicas={MIN_ISR}",
            f"offsets.topic.replication.factor={REPLICATION}",
            "offsets.topic.num.partitions=12",
            f"transaction.state.log.replication.factor={REPLICATION}",
            f"transaction.state.log.min.isr={MIN_ISR}",
            f"share.coordinator.state.topic.replication.factor={REPLICATION}",
            f"share.coordinator.state.topic.min.isr={MIN_ISR}",
            "unclean.leader.election.enable=false",
            "broker.heartbeat.interval.ms=1000",
            f"broker.session.timeout.ms={BROKER_SESSION_TIMEOUT_MS}",
            # A small machine runs three nodes: fewer threads each.
            "num.network.threads=2",
            "num.io.threads=4",
            "num.replica.fetchers=1",
            "background.threads=4",
            "group.initial.rebalance.delay.ms=0",
            "log.retention.hours=720",
            "message.max.bytes=4194304",
            "",
        ]
    )
