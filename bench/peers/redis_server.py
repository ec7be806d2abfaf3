"""A private Redis for Celery's broker: Debian's redis-server, no persistence, stopped afterwards."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from bench.peers.result import PeerError

log = logging.getLogger(__name__)

#: The port of the benchmark's Redis (inside the range the benchmarks may use).
REDIS_PORT = 16379
#: Longest wait for the new server to answer PING.
STARTUP_TIMEOUT_S = 15.0
#: Time the server gets to exit after SIGTERM before it is killed.
STOP_GRACE_S = 10.0


def ensure_redis_server() -> str:
    """The path of redis-server, installed from Debian's packages when missing (needs root)."""
    found = shutil.which("redis-server")
    if found:
        return found
    log.info("redis-server missing: apt-get install -y redis-server")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "redis-server"],
            env=env,
            check=True,
            capture_output=True,
            timeout=600,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise PeerError(
            "redis-server is not installed and `apt-get install -y redis-server` failed "
            f"(run it as root): {exc}"
        ) from exc
    found = shutil.which("redis-server")
    if not found:
        raise PeerError("redis-server is still not on PATH after installing the Debian package")
    return found


def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait_for_ping(proc: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1, socket_connect_timeout=1)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    try:
        while True:
            if proc.poll() is not None:
                tail = log_path.read_text(errors="replace")[-800:] if log_path.exists() else ""
                raise PeerError(f"redis-server exited with code {proc.returncode}: {tail}")
            try:
                if client.ping():
                    return
            except redis.RedisError:
                pass
            if time.monotonic() > deadline:
                raise PeerError(f"redis-server did not answer PING within {STARTUP_TIMEOUT_S:.0f} s")
            time.sleep(0.05)
    finally:
        client.close()


@contextmanager
def redis_server(port: int = REDIS_PORT) -> Iterator[str]:
    """Run a private redis-server on 127.0.0.1:port in its own temp dir; yields its URL."""
    binary = ensure_redis_server()
    if _port_in_use(port):
        raise PeerError(f"port {port} is already in use: stop what listens there first")
    with tempfile.TemporaryDirectory(prefix="peer-redis-") as tmp:
        log_path = Path(tmp) / "redis.log"
        argv = [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--daemonize",
            "no",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            tmp,
            "--logfile",
            str(log_path),
        ]
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            _wait_for_ping(proc, port, log_path)
            yield f"redis://127.0.0.1:{port}"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
