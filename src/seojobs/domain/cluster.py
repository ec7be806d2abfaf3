"""What a client needs to reach the Kafka cluster, and the replication rules (pure, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Brokers from which a cluster counts as production-sized (replication 3, min ISR 2).
CLUSTER_BROKERS = 3
#: Replication factor and min.insync.replicas on a cluster of CLUSTER_BROKERS or more brokers.
CLUSTER_REPLICATION, CLUSTER_MIN_ISR = 3, 2
#: Security protocols the clients speak, and the SASL mechanisms they offer.
SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


@dataclass(frozen=True)
class Replication:
    """Replication factor and min.insync.replicas of the topics the project creates."""

    factor: int
    min_insync: int


@dataclass(frozen=True)
class KafkaConnection:
    """Bootstrap servers, security and replication settings shared by every Kafka client.

    A replication factor or min ISR of 0 means "decide from the number of brokers" (resolve()).
    """

    bootstrap: str
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str = "SCRAM-SHA-512"
    sasl_username: str = ""
    sasl_password: str = ""
    ssl_cafile: Path | None = None
    replication_factor: int = 0
    min_insync_replicas: int = 0

    @property
    def uses_sasl(self) -> bool:
        """True when the client authenticates with SASL."""
        return self.security_protocol.startswith("SASL_")

    @property
    def uses_tls(self) -> bool:
        """True when the connection is encrypted."""
        return self.security_protocol in ("SSL", "SASL_SSL")

    def __repr__(self) -> str:
        """Never show the password."""
        return (
            f"KafkaConnection({self.bootstrap!r}, {self.security_protocol}, "
            f"user={self.sasl_username!r}, replication={self.replication_factor}/"
            f"{self.min_insync_replicas})"
        )


def resolve(factor: int, min_insync: int, brokers: int) -> Replication:
    """The replication to create topics with: the settings, or (when 0) the default for the size.

    3 and 2 on a cluster of three or more brokers, 1 and 1 on a single dev broker; never more
    replicas than brokers, and a min ISR never above the factor.
    """
    if factor <= 0:
        factor = CLUSTER_REPLICATION if brokers >= CLUSTER_BROKERS else 1
    if min_insync <= 0:
        min_insync = CLUSTER_MIN_ISR if factor >= CLUSTER_REPLICATION else 1
    return Replication(factor, min(min_insync, factor))


@dataclass(frozen=True)
class TopicState:
    """What the cluster says about one topic."""

    name: str
    partitions: int
    replication_factor: int
    min_insync: int
    under_replicated: int = 0


@dataclass(frozen=True)
class Difference:
    """One way a topic differs from what the settings ask for."""

    topic: str
    field: str
    wanted: int
    found: int

    def describe(self) -> str:
        """A line for an operator."""
        return f"{self.topic}: {self.field} is {self.found}, the settings want {self.wanted}"


def differences(
    wanted: dict[str, int], replication: Replication, found: dict[str, TopicState]
) -> list[Difference]:
    """Every difference between the topics the project needs (name -> partitions) and the cluster.

    A missing topic shows as 0 partitions found.
    """
    out: list[Difference] = []
    for name, partitions in sorted(wanted.items()):
        state = found.get(name)
        if state is None:
            out.append(Difference(name, "partitions", partitions, 0))
            continue
        for field, want, have in (
            ("partitions", partitions, state.partitions),
            ("replication factor", replication.factor, state.replication_factor),
            ("min.insync.replicas", replication.min_insync, state.min_insync),
        ):
            if want != have:
                out.append(Difference(name, field, want, have))
    return out
