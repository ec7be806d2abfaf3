"""A native 3-node KRaft cluster on this machine: three JVMs, each controller and broker.

Each node has its own data directory and ports (see cluster_config); clients reach every node on
a PLAINTEXT listener and on a SASL_SSL one (SCRAM-SHA-512, a certificate signed by a local CA).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import shutil
import signal
import uuid
from dataclasses import dataclass
from pathlib import Path

from seojobs.stack import kafka
from seojobs.stack.cluster_config import SCRAM_MECHANISM, NodeLayout, layout, node_properties
from seojobs.stack.cluster_security import ScramUser, make_broker_tls
from seojobs.stack.procs import (
    StackError,
    pid_alive,
    port_open,
    read_pid,
    run,
    spawn_detached,
    stop_pid,
    wait_until,
)

#: Heap of each cluster node (three share a small machine).
NODE_HEAP = "-Xmx512m"


@dataclass(frozen=True)
class Cluster:
    """The files and ports of one native cluster."""

    root: Path
    base_port: int

    @property
    def nodes(self) -> list[NodeLayout]:
        """Every node's ports."""
        return layout(self.base_port)

    def node_dir(self, node: NodeLayout) -> Path:
        """One node's folder (data, config, log, pid)."""
        return self.root / f"node-{node.node_id}"

    def paths(self, node: NodeLayout) -> kafka.KafkaPaths:
        """One node's files, laid out as the single broker's are."""
        return kafka.KafkaPaths(self.node_dir(node))

    @property
    def cafile(self) -> Path:
        """The CA certificate clients trust the listeners with."""
        return self.root / "tls" / "ca.pem"

    @property
    def client_env(self) -> Path:
        """The SEOJOBS_KAFKA_* settings of a client of the SASL_SSL listeners."""
        return self.root / "client.env"


def cluster_at(stack_dir: Path, base_port: int) -> Cluster:
    """The cluster kept under a stack folder."""
    return Cluster((stack_dir / "kafka-cluster").resolve(), base_port)


def _lib(cluster: Cluster) -> Path:
    return kafka.fetch(kafka.KafkaPaths(cluster.root))


def _format(cluster: Cluster, node: NodeLayout, user: ScramUser | None) -> None:
    """Format a node's empty data directory with the cluster's id (and the SCRAM user)."""
    id_file = cluster.root / "cluster.id"
    if not id_file.exists():
        id_file.write_text(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))
    args = [
        "kafka.tools.StorageTool",
        "format",
        "-t",
        id_file.read_text().strip(),
        "-c",
        str(cluster.paths(node).config),
        "--ignore-formatted",
    ]
    if user is not None:
        args += ["--add-scram", f"{SCRAM_MECHANISM}=[name={user.name},password={user.password}]"]
    run(kafka.java_command(_lib(cluster), cluster.paths(node), *args, heap=NODE_HEAP))


def configure(cluster: Cluster, user: ScramUser | None) -> None:
    """Write every node's config, the TLS files and (first time) format the data directories."""
    cluster.root.mkdir(parents=True, exist_ok=True)
    tls = make_broker_tls(cluster.root / "tls")
    for node in cluster.nodes:
        paths = cluster.paths(node)
        paths.root.mkdir(parents=True, exist_ok=True)
        paths.config.write_text(node_properties(node, cluster.nodes, paths.data, tls))
        if not (paths.data / "meta.properties").exists():
            _format(cluster, node, user)


def start_node(cluster: Cluster, node: NodeLayout) -> int:
    """Start one node (formatting its directory again if it was wiped); its pid."""
    paths = cluster.paths(node)
    pid = read_pid(paths.pid)
    if pid is not None:
        return pid
    if port_open("127.0.0.1", node.broker_port):
        raise StackError(f"port {node.broker_port} is taken by a process this project did not start")
    if not (paths.data / "meta.properties").exists():
        _format(cluster, node, None)
    pid = spawn_detached(
        kafka.java_command(_lib(cluster), paths, "kafka.Kafka", str(paths.config), heap=NODE_HEAP),
        paths.log,
        open_files=kafka.OPEN_FILES,
    )
    paths.pid.write_text(str(pid))
    return pid


def wait_node(cluster: Cluster, node: NodeLayout) -> None:
    """Wait until a node answers metadata requests (raise if its JVM died)."""
    paths = cluster.paths(node)

    def ready() -> bool:
        pid = read_pid(paths.pid)
        if pid is None or not pid_alive(pid):
            raise StackError(
                f"Kafka node {node.node_id} exited; see {paths.log}:\n"
                + "\n".join(paths.log.read_text(errors="replace").splitlines()[-30:])
            )
        return kafka.answers_metadata(node.broker_port)

    wait_until(ready, kafka.START_TIMEOUT_S, f"Kafka node {node.node_id}", paths.log)


def up(cluster: Cluster, user: ScramUser | None = None) -> str:
    """Configure and start every node; wait until each answers."""
    if shutil.which("java") is None:
        raise StackError("a JDK 17 is needed to run Kafka: apt-get install openjdk-17-jre-headless")
    configure(cluster, user)
    pids = [start_node(cluster, node) for node in cluster.nodes]
    for node in cluster.nodes:
        wait_node(cluster, node)
    return (
        f"Kafka {kafka.pinned_version()} cluster of {len(pids)} nodes on "
        f"{', '.join(f'127.0.0.1:{n.broker_port}' for n in cluster.nodes)} (pids "
        f"{', '.join(map(str, pids))}); SASL_SSL on ports {cluster.nodes[0].sasl_port}.."
    )


def kill_node(cluster: Cluster, node: NodeLayout) -> None:
    """SIGKILL one node (a crash: no controlled shutdown)."""
    pid = read_pid(cluster.paths(node).pid)
    if pid is not None:
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not pid_alive(pid), 30, f"node {node.node_id} to die")
    cluster.paths(node).pid.unlink(missing_ok=True)


def stop_node(cluster: Cluster, node: NodeLayout) -> bool:
    """Stop one node with a controlled shutdown (SIGTERM); True if it ran."""
    return stop_pid(cluster.paths(node).pid, 60)


def wipe_node(cluster: Cluster, node: NodeLayout) -> None:
    """Delete a stopped node's data directory (a lost disk); it is formatted again on start."""
    shutil.rmtree(cluster.paths(node).data, ignore_errors=True)


def down(cluster: Cluster, timeout_s: float = 60.0) -> str:
    """Stop every node this project started: all at once (the last node alone cannot finish a
    controlled shutdown without a quorum), then SIGKILL what lingers."""
    pids = {n.node_id: pid for n in cluster.nodes if (pid := read_pid(cluster.paths(n).pid)) is not None}
    for pid in pids.values():
        os.kill(pid, signal.SIGTERM)
    with contextlib.suppress(StackError):
        wait_until(lambda: not any(pid_alive(p) for p in pids.values()), timeout_s, "the nodes to stop")
    for pid in pids.values():
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
    for node in cluster.nodes:
        cluster.paths(node).pid.unlink(missing_ok=True)
    return f"Kafka cluster nodes {sorted(pids)} stopped" if pids else "no Kafka cluster node was running"


def running(cluster: Cluster) -> bool:
    """True when a node of this cluster has a live pid."""
    return any(read_pid(cluster.paths(n).pid) is not None for n in cluster.nodes)


def quorum_view(cluster: Cluster, node: NodeLayout) -> dict[str, object]:
    """The controller quorum as one node last wrote it (leader, epoch, voters)."""
    state = cluster.paths(node).data / "__cluster_metadata-0" / "quorum-state"
    try:
        data = json.loads(state.read_text())
    except (OSError, ValueError):
        return {}
    return {
        "leader": data.get("leaderId"),
        "epoch": data.get("leaderEpoch"),
        "voters": sorted(v["voterId"] for v in data.get("currentVoters") or []),
    }


def node_lines(cluster: Cluster) -> list[str]:
    """One line per node: up or down, and its view of the quorum."""
    out = []
    for node in cluster.nodes:
        up_now = kafka.answers_metadata(node.broker_port)
        view = quorum_view(cluster, node)
        out.append(
            f"node {node.node_id} on 127.0.0.1:{node.broker_port} (controller "
            f"{node.controller_port}, SASL_SSL {node.sasl_port}): {'up' if up_now else 'down'}; "
            f"quorum leader {view.get('leader')} epoch {view.get('epoch')} voters "
            f"{view.get('voters')}"
        )
    return out


def under_replicated_line(bootstrap: str) -> str:
    """How many partitions are under-replicated, per topic."""
    from seojobs.adapters.kafka.topic_health import under_replicated

    try:
        found = asyncio.run(under_replicated(bootstrap))
    except Exception as exc:
        return f"under-replicated partitions: unknown ({exc})"
    if not found:
        return "under-replicated partitions: 0"
    return (
        f"under-replicated partitions: {sum(found.values())} ("
        + ", ".join(f"{t}: {n}" for t, n in sorted(found.items())[:10])
        + ")"
    )
