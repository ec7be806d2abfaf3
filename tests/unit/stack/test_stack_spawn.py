"""spawn_detached(): a detached process, its output in the log, its open-file limit raised on request."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import time
from pathlib import Path

from seojobs.stack.procs import pid_alive, spawn_detached


def _open_files_limit(pid: int) -> int:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            return int(line.split()[3])  # the soft limit
    raise AssertionError(f"no open-file limit for pid {pid}")


def _stop(pid: int) -> None:
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)


def test_the_process_runs_detached_with_its_output_in_the_log(tmp_path: Path) -> None:
    log = tmp_path / "out.log"
    pid = spawn_detached(["sh", "-c", "echo started; exec sleep 30"], log)
    try:
        assert pid_alive(pid)
        deadline = time.monotonic() + 5
        while ("started" not in log.read_text() or os.getsid(pid) != pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert log.read_text() == "started\n"
        assert os.getsid(pid) == pid  # its own session: a terminal's hangup does not reach it
    finally:
        _stop(pid)
    assert not pid_alive(pid)


def test_open_files_raises_the_limit_as_far_as_allowed(tmp_path: Path) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65_536
    pid = spawn_detached(["sleep", "30"], tmp_path / "out.log", open_files=wanted)
    try:
        got = _open_files_limit(pid)
    finally:
        _stop(pid)
    if hard == resource.RLIM_INFINITY or hard >= wanted or _may_raise_hard_limit(wanted):
        assert got == wanted
    else:  # without the right to raise the hard limit, the soft one goes up to it
        assert got == hard
    assert got >= soft


def _may_raise_hard_limit(n: int) -> bool:
    """Whether this process may raise its hard open-file limit to ``n`` (root outside a container)."""
    return subprocess.run(["sh", "-c", f"ulimit -n {n}"], capture_output=True).returncode == 0


def test_without_open_files_the_limit_is_inherited(tmp_path: Path) -> None:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    pid = spawn_detached(["sleep", "30"], tmp_path / "out.log")
    try:
        assert _open_files_limit(pid) == soft
    finally:
        _stop(pid)


def test_a_low_soft_limit_is_raised(tmp_path: Path) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65_536
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))  # a common shell default
    try:
        pid = spawn_detached(["sleep", "30"], tmp_path / "out.log", open_files=wanted)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    try:
        got = _open_files_limit(pid)
    finally:
        _stop(pid)
    expected = (
        wanted if hard == resource.RLIM_INFINITY or hard >= wanted or _may_raise_hard_limit(wanted) else hard
    )
    assert got == expected > 1024
