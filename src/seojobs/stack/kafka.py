"""Apache Kafka from Maven Central: fetched with Maven, run in KRaft mode on the machine's JDK."""

from __future__ import annotations

import asyncio
import base64
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

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

#: The pom that names the broker's artifacts (its kafka.version property pins the release).
POM = Path(__file__).resolve().parents[3] / "infra" / "kafka" / "pom.xml"
#: Heap of the development broker.
HEAP = "-Xmx1g"
#: How long the broker may take to answer metadata requests.
START_TIMEOUT_S = 120.0
#: Open-file limit of the broker: it keeps segment and index files open for every partition, and
#: topics that runs leave behind (about 350 partitions for a benchmark's run) add up.
OPEN_FILES = 100_000


@dataclass(frozen=True)
class KafkaPaths:
    """The broker's files under the stack folder."""

    root: Path

    def lib(self, version: str) -> Path:
        """The jars of one Kafka release."""
        return self.root / f"lib-{version}"

    @property
    def data(self) -> Path:
        """The KRaft log directory."""
        return self.root / "data"

    @property
    def config(self) -> Path:
        """The broker's server.properties."""
        return self.root / "server.properties"

    @property
    def log(self) -> Path:
        """Where the broker's output goes."""
        return self.root / "kafka.log"

    @property
    def pid(self) -> Path:
        """The broker's pid file."""
        return self.root / "kafka.pid"


def pinned_version(pom: Path = POM) -> str:
    """The Kafka release the pom pins."""
    m = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom.read_text())
    if m is None:
        raise StackError(f"{pom} does not set kafka.version")
    return m.group(1)


def fetch(paths: KafkaPaths, pom: Path = POM) -> Path:
    """Copy the broker and its runtime dependencies from Maven Central (once per version)."""
    version = pinned_version(pom)
    lib = paths.lib(version)
    marker = lib / ".complete"
    if marker.exists():
        return lib
    if shutil.which("mvn") is None:
        raise StackError("Maven (mvn) is needed to fetch Kafka: apt-get install maven")
    lib.mkdir(parents=True, exist_ok=True)
    run(
        [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(pom),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={lib}",
            "-DincludeScope=runtime",
        ]
    )
    if not list(lib.glob(f"kafka_2.13-{version}.jar")):
        raise StackError(f"Maven finished but kafka_2.13-{version}.jar is not in {lib}")
    marker.write_text(version)
    return lib


def server_properties(data: Path, port: int) -> str:
    """A single-node broker+controller on 127.0.0.1 (controller on port + 1)."""
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@127.0.0.1:{port + 1}",
            f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{port + 1}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{port}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            f"log.dirs={data}",
            "num.partitions=6",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=12",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "share.coordinator.state.topic.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "log.retention.hours=720",
            "message.max.bytes=4194304",
            "",
        ]
    )


def _log4j_config(paths: KafkaPaths) -> Path:
    cfg = paths.root / "log4j2.properties"
    cfg.write_text(
        "\n".join(
            [
                "rootLogger.level=WARN",
                "rootLogger.appenderRef.out.ref=OUT",
                "appender.out.type=Console",
                "appender.out.name=OUT",
                "appender.out.layout.type=PatternLayout",
                "appender.out.layout.pattern=[%d] %p %m (%c)%n",
                "logger.kafka.name=kafka.server.KafkaRaftServer",
                "logger.kafka.level=INFO",
                "",
            ]
        )
    )
    return cfg


def java_command(lib: Path, paths: KafkaPaths, *args: str, heap: str = HEAP) -> list[str]:
    """A java command line on the broker's jars, logging as the stack's log4j config says."""
    return ["java", heap, f"-Dlog4j2.configurationFile={_log4j_config(paths)}", "-cp", f"{lib}/*", *args]


def answers_metadata(port: int) -> bool:
    """True when the broker answers a metadata request."""
    from seojobs.adapters.kafka.admin import kafka_ready

    return port_open("127.0.0.1", port) and asyncio.run(kafka_ready(f"127.0.0.1:{port}"))


def up(stack_dir: Path, port: int) -> str:
    """Fetch, format (once) and start the broker; wait until it answers metadata requests."""
    paths = KafkaPaths((stack_dir / "kafka").resolve())
    paths.root.mkdir(parents=True, exist_ok=True)
    if read_pid(paths.pid) is not None and answers_metadata(port):
        return f"Kafka already running on 127.0.0.1:{port}"
    if port_open("127.0.0.1", port):
        raise StackError(f"port {port} is taken by a process this project did not start")
    if shutil.which("java") is None:
        raise StackError("a JDK 17 is needed to run Kafka: apt-get install openjdk-17-jre-headless")
    lib = fetch(paths)
    paths.config.write_text(server_properties(paths.data, port))
    if not (paths.data / "meta.properties").exists():
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        run(
            java_command(
                lib, paths, "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(paths.config)
            )
        )
    pid = spawn_detached(
        java_command(lib, paths, "kafka.Kafka", str(paths.config)), paths.log, open_files=OPEN_FILES
    )
    paths.pid.write_text(str(pid))

    def ready() -> bool:
        if not pid_alive(pid):
            raise StackError(
                f"the Kafka broker exited; see {paths.log}:\n"
                + "\n".join(paths.log.read_text(errors="replace").splitlines()[-30:])
            )
        return answers_metadata(port)

    wait_until(ready, START_TIMEOUT_S, "Kafka broker", paths.log)
    return f"Kafka {pinned_version()} started on 127.0.0.1:{port} (pid {pid})"


def down(stack_dir: Path) -> str:
    """Stop the broker this project started (only that one)."""
    paths = KafkaPaths((stack_dir / "kafka").resolve())
    return "Kafka stopped" if stop_pid(paths.pid, 60) else "Kafka was not running from this project"


def status(port: int) -> str:
    """One line on whether the broker answers."""
    return f"Kafka on 127.0.0.1:{port}: {'up' if answers_metadata(port) else 'down'}"
