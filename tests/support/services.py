"""Run the services as real processes for end-to-end tests, and wait on conditions."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from aiokafka.admin import AIOKafkaAdminClient

from seojobs.settings import Settings

ROOT = Path(__file__).resolve().parents[2]

#: What ``python -m`` runs for each service.
MODULES = {
    "api": ["services.api"],
    "relay": ["services.relay"],
    "projector": ["services.projector"],
    "maintenance": ["services.maintenance", "worker"],
    "crawler": ["services.crawler", "worker"],
    "analyzer": ["services.analyzer", "worker"],
}


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def settings_env(settings: Settings, **overrides: Any) -> dict[str, str]:
    """The environment that makes a service process see these settings."""
    env = {
        "DATABASE_URL": settings.database_url,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "CRON_SECRET": settings.cron_secret,
        "JOB_MAX_ATTEMPTS": str(settings.job_max_attempts),
        "SEOJOBS_TOPIC_PREFIX": settings.topic_prefix,
        "SEOJOBS_RETRY_DELAYS_S": json.dumps(list(settings.retry_delays_s)),
        "SEOJOBS_RELAY_POLL_INTERVAL_S": str(settings.relay_poll_interval_s),
        "SEOJOBS_SCHEDULER_ENABLED": "true" if settings.scheduler_enabled else "false",
        "SEOJOBS_CRAWL_ALLOWED_PRIVATE": settings.crawl_allowed_private,
        "ANTHROPIC_API_KEY": settings.anthropic_api_key,
    }
    env.update({k: str(v) for k, v in overrides.items()})
    return env


class ServiceSet:
    """The services of one test, each a child process with its own log file."""

    def __init__(self, settings: Settings, log_dir: Path, **env: Any) -> None:
        self.settings = settings
        self.log_dir = log_dir
        self.api_port = free_port()
        self.env = settings_env(settings, SEOJOBS_API_PORT=self.api_port, **env)
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    @property
    def api_url(self) -> str:
        """Where the API listens."""
        return f"http://127.0.0.1:{self.api_port}"

    def start(self, name: str, instance: int = 0, **env: Any) -> subprocess.Popen[bytes]:
        """Start one instance of a service."""
        key = f"{name}-{instance}"
        base = os.environ.copy()
        base.pop("PYTEST_CURRENT_TEST", None)
        with (self.log_dir / f"{key}.log").open("ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", *MODULES[name.split("-")[0]]],
                cwd=ROOT,
                env={**base, **self.env, **{k: str(v) for k, v in env.items()}},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self.procs[key] = proc
        return proc

    def kill(self, name: str, instance: int = 0, sig: int = signal.SIGKILL) -> None:
        """Send a signal to one instance and wait for it to end."""
        proc = self.procs.pop(f"{name}-{instance}")
        proc.send_signal(sig)
        proc.wait(timeout=30)

    def stop_all(self) -> None:
        """SIGTERM every process, SIGKILL what lingers."""
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of every service's log (for failure messages)."""
        out = []
        for path in sorted(self.log_dir.glob("*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(out)

    async def wait_api(self, timeout_s: float = 30) -> None:
        """Wait until the API answers /healthz."""

        async def up() -> bool:
            try:
                async with httpx.AsyncClient() as client:
                    return (await client.get(f"{self.api_url}/healthz")).status_code == 200
            except httpx.HTTPError:
                return False

        await wait_for(up, timeout_s, "the API to answer", self.log_tail)


async def wait_for(
    check: Callable[[], Awaitable[bool]],
    timeout_s: float,
    what: str | Callable[[], str],
    diagnostics: Callable[[], str] | None = None,
    every_s: float = 0.1,
) -> None:
    """Poll an async condition until it holds, or fail saying what did not happen."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(every_s)
    extra = "\n" + diagnostics() if diagnostics else ""
    said = what() if callable(what) else what
    raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {said}{extra}")


async def group_settled(bootstrap: str, group: str, members: int) -> bool:
    """True when the group is Stable with exactly ``members`` members, each assigned partitions."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_consumer_groups([group])
        groups = described[0].groups if described else []
        if len(groups) != 1:
            return False
        _, _, state, _, _, found = groups[0][:6]
        # An assignment with partitions is longer than its empty header (version + no topics).
        return state == "Stable" and len(found) == members and all(len(m[4]) > 10 for m in found)
    except Exception:
        return False
    finally:
        await admin.close()


async def group_members(bootstrap: str, group: str) -> int:
    """How many members a consumer group has right now."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_consumer_groups([group])
        return sum(len(getattr(g, "members", None) or g[5]) for g in described[0].groups) if described else 0
    except Exception:
        return 0
    finally:
        await admin.close()
