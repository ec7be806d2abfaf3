"""Small process helpers shared by the stack's parts: run, wait, pid files."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from seojobs.domain.errors import SeojobsError


class StackError(SeojobsError):
    """A part of the native stack could not be installed, started or stopped."""


def run(
    cmd: Sequence[str], *, check: bool = True, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing its output; raise StackError with that output on failure."""
    proc = subprocess.run(list(cmd), capture_output=True, text=True, env=env, cwd=cwd, check=False)
    if check and proc.returncode != 0:
        raise StackError(
            f"command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout[-2000:]}"
            f"\n{proc.stderr[-2000:]}"
        )
    return proc


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until(check: Callable[[], bool], timeout_s: float, what: str, log: Path | None = None) -> None:
    """Poll ``check`` until it is true, or raise StackError naming what did not come up."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    tail = ""
    if log is not None and log.exists():
        tail = (
            "\n--- last lines of "
            + str(log)
            + " ---\n"
            + "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        )
    raise StackError(f"{what} did not come up within {timeout_s:.0f}s{tail}")


def read_pid(pid_file: Path) -> int | None:
    """The pid in a pid file, if the file exists and that process is alive."""
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def stop_pid(pid_file: Path, timeout_s: float = 30.0) -> bool:
    """SIGTERM the process named by a pid file, then SIGKILL if it lingers; True if one ran."""
    pid = read_pid(pid_file)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and pid_alive(pid):
        time.sleep(0.2)
    if pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return True


def spawn_detached(
    cmd: Sequence[str], log: Path, env: dict[str, str] | None = None, *, open_files: int | None = None
) -> int:
    """Start a long-running process in its own session, output appended to ``log``; its pid.

    The shell forks it off, so no Popen object of ours outlives the call (the process is not our
    child and outlives us, like a daemon). ``open_files`` raises its open-file limit to that many
    (or, where that is not allowed, to the hard limit).
    """
    import shlex

    line = " ".join(shlex.quote(c) for c in cmd)
    limit = ""
    if open_files is not None:
        limit = f'ulimit -n {int(open_files)} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true; '
    out = run(
        ["sh", "-c", f"{limit}setsid {line} >> {shlex.quote(str(log))} 2>&1 < /dev/null & echo $!"], env=env
    )
    return int(out.stdout.strip().splitlines()[-1])


def pid_alive(pid: int) -> bool:
    """True while a process with this pid exists (and is not a zombie)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False
