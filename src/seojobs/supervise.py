"""Start and stop the services as background processes (pid files and logs in the stack dir)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from seojobs.stack.procs import read_pid, spawn_detached, stop_pid

#: Every service, and the command that runs it (python -m ...).
SERVICES: dict[str, tuple[str, ...]] = {
    "api": ("services.api",),
    "relay": ("services.relay",),
    "projector": ("services.projector",),
    "crawler": ("services.crawler", "worker"),
    "analyzer": ("services.analyzer", "worker"),
    "maintenance": ("services.maintenance", "worker"),
}

#: The project's root (the demo site lives under it).
ROOT = Path(__file__).resolve().parents[2]
#: Where the bundled demo site is served.
DEMO_SITE_PORT = 18080
#: Where its https side (a self-signed certificate made at start) is served.
DEMO_SITE_HTTPS_PORT = 18081
#: The demo site server (not a service of the product; the demo and the tests crawl it).
DEMO_SITE = (
    "seojobs.demosite",
    "--port",
    str(DEMO_SITE_PORT),
    "--https-port",
    str(DEMO_SITE_HTTPS_PORT),
    "--site",
    str(ROOT / "demo" / "site"),
)


@dataclass(frozen=True)
class ServiceFiles:
    """Where one service instance keeps its pid and log."""

    pid: Path
    log: Path


def files_for(stack_dir: Path, name: str, instance: int = 0) -> ServiceFiles:
    """The pid and log file of one instance of a service."""
    suffix = f"-{instance}" if instance else ""
    run, logs = stack_dir / "run", stack_dir / "logs"
    run.mkdir(parents=True, exist_ok=True)
    logs.mkdir(parents=True, exist_ok=True)
    return ServiceFiles(run / f"{name}{suffix}.pid", logs / f"{name}{suffix}.log")


def start(stack_dir: Path, name: str, env: dict[str, str] | None = None, instance: int = 0) -> str:
    """Start one instance of a service (or ``demosite``) unless it runs already; say what happened."""
    files = files_for(stack_dir, name, instance)
    if read_pid(files.pid) is not None:
        return f"{name}{'-' + str(instance) if instance else ''} already running"
    module = DEMO_SITE if name == "demosite" else SERVICES[name]
    pid = spawn_detached([sys.executable, "-m", *module], files.log, {**os.environ, **(env or {})})
    files.pid.write_text(str(pid))
    return f"{name} started (pid {pid}, log {files.log})"


def stop(stack_dir: Path, name: str, instance: int = 0) -> str:
    """Stop one instance of a service (SIGTERM, then SIGKILL after a grace period)."""
    files = files_for(stack_dir, name, instance)
    return f"{name} stopped" if stop_pid(files.pid, 20) else f"{name} was not running"


def status(stack_dir: Path) -> list[tuple[str, int | None]]:
    """Each service and its pid (None when not running)."""
    return [(name, read_pid(files_for(stack_dir, name).pid)) for name in SERVICES]
