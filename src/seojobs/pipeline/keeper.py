"""Keeps a worker process running: Faust gives up (exits) when its agents crash too often, e.g.
while the broker is away; the keeper starts it again with backoff, until it is asked to stop.

The worker runs as a child of the keeper. The child dies with the keeper (PR_SET_PDEATHSIG), so a
SIGKILL of the keeper never leaves an orphan consuming in the background.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence

log = logging.getLogger("seojobs.keeper")

#: The environment variable that marks the child (the worker itself).
CHILD_ENV = "SEOJOBS_WORKER_CHILD"
#: Pause before the first restart, and the longest pause, seconds.
FIRST_BACKOFF_S, MAX_BACKOFF_S = 1.0, 15.0
#: A child that ran this long resets the backoff.
STABLE_AFTER_S = 60.0
#: prctl option that signals a child when its parent dies.
PR_SET_PDEATHSIG = 1


def is_child() -> bool:
    """True inside the worker process the keeper started."""
    return os.environ.get(CHILD_ENV) == "1"


def _die_with_parent() -> None:
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def keep_running(argv: Sequence[str]) -> int:
    """Run ``argv`` as the worker; restart it when it exits on its own; return its last exit code."""
    stopping = False
    child: subprocess.Popen[bytes] | None = None

    def forward(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    backoff = FIRST_BACKOFF_S
    while True:
        began = time.monotonic()
        child = subprocess.Popen(list(argv), env={**os.environ, CHILD_ENV: "1"}, preexec_fn=_die_with_parent)
        code = child.wait()
        if stopping:
            return code
        if time.monotonic() - began > STABLE_AFTER_S:
            backoff = FIRST_BACKOFF_S
        log.warning("worker exited with %s; starting it again in %.0f s", code, backoff)
        deadline = time.monotonic() + backoff
        while time.monotonic() < deadline and not stopping:
            time.sleep(0.1)
        if stopping:
            return code
        backoff = min(backoff * 2, MAX_BACKOFF_S)


def keep(argv: Sequence[str] | None = None) -> None:
    """In the keeper: run the worker as a child and exit with its code (never returns)."""
    sys.exit(keep_running(argv or [sys.executable, *sys.argv]))
