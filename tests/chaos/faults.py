"""Stop and start the native stack's PostgreSQL server (the broker has tests.support.stack)."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from seojobs.stack import postgres

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class PostgresControl:
    """Restarts the native PostgreSQL server in place (fast shutdown: sessions are cut)."""

    data_dir: Path
    log: Path
    pg_ctl: Path

    def restart(self) -> None:
        """Restart the server and wait until it accepts connections again."""
        cmd = [str(self.pg_ctl), "-D", str(self.data_dir), "-l", str(self.log), "-m", "fast", "-w", "restart"]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)


def postgres_control() -> PostgresControl:
    """The native server's control (these tests need the native stack, which CI runs)."""
    stack_dir = Path(os.environ.get("SEOJOBS_STACK_DIR", ROOT / ".stack"))
    paths = postgres.paths_for(stack_dir)
    data = paths.data
    bins = postgres.bin_dir()
    if bins is None or not (data / "PG_VERSION").exists():
        raise AssertionError(f"no native PostgreSQL in {stack_dir}: run `seojobs stack up` first")
    return PostgresControl(data, paths.log, bins / "pg_ctl")
