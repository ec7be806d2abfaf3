"""PostgreSQL from Debian's packages: install if missing, run a private cluster on 127.0.0.1."""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from seojobs.stack.procs import StackError, port_open, run, wait_until

#: Role, password and database the stack creates.
DB_USER = DB_PASSWORD = DB_NAME = "seojobs"
#: How long the server may take to accept connections.
START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class PgPaths:
    """Where the cluster lives: data under the project's stack folder (or beside it)."""

    root: Path

    @property
    def data(self) -> Path:
        """The cluster's data directory."""
        return self.root / "data"

    @property
    def log(self) -> Path:
        """The server's log file."""
        return self.root / "postgres.log"

    @property
    def socket_dir(self) -> Path:
        """Where the server puts its Unix socket."""
        return self.root / "run"


def bin_dir() -> Path | None:
    """The newest installed PostgreSQL server's bin directory, if any."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(Path(p).parent.parent.name)
    )
    return Path(found[-1]).parent if found else None


def ensure_installed() -> Path:
    """Install the server from Debian's packages when it is missing; return its bin dir."""
    found = bin_dir()
    if found is not None:
        return found
    if shutil.which("apt-get") is None:
        raise StackError("PostgreSQL is not installed and apt-get is not available")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-q"], env=env)
    run(["apt-get", "install", "-y", "-q", "postgresql", "postgresql-contrib"], env=env)
    found = bin_dir()
    if found is None:
        raise StackError("apt-get installed postgresql but no server binary was found")
    return found


def _as_postgres(cmd: list[str]) -> list[str]:
    """Run as the postgres user when we are root (the server refuses to run as root)."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _pg_can_reach(path: Path) -> bool:
    if os.geteuid() != 0:
        return True
    return run(["runuser", "-u", "postgres", "--", "test", "-x", str(path)], check=False).returncode == 0


def paths_for(stack_dir: Path) -> PgPaths:
    """The cluster's folder: in the stack dir, or (when postgres cannot enter it) a linked one."""
    wanted = stack_dir / "pg"
    stack_dir.mkdir(parents=True, exist_ok=True)
    if wanted.exists() or _pg_can_reach(stack_dir):
        return PgPaths(wanted.resolve())
    digest = hashlib.sha1(str(stack_dir.resolve()).encode()).hexdigest()[:12]
    outside = Path("/var/lib/seojobs-stack") / digest / "pg"
    outside.mkdir(parents=True, exist_ok=True)
    wanted.symlink_to(outside)
    return PgPaths(outside)


def up(stack_dir: Path, port: int) -> str:
    """Start the cluster (initialising it once) and create the role and database; say what it did."""
    bins = ensure_installed()
    paths = paths_for(stack_dir)
    if port_open("127.0.0.1", port):
        _ensure_database(bins, paths, port)
        return f"PostgreSQL already running on 127.0.0.1:{port}"
    for d in (paths.root, paths.socket_dir):
        d.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(paths.root, "postgres", "postgres")
        shutil.chown(paths.socket_dir, "postgres", "postgres")
    if not (paths.data / "PG_VERSION").exists():
        run(
            _as_postgres(
                [
                    str(bins / "initdb"),
                    "-D",
                    str(paths.data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            )
        )
    opts = (
        f"-p {port} -c listen_addresses=127.0.0.1 -k {paths.socket_dir} "
        "-c max_connections=300 -c fsync=on -c shared_buffers=256MB"
    )
    run(
        _as_postgres(
            [
                str(bins / "pg_ctl"),
                "-D",
                str(paths.data),
                "-l",
                str(paths.log),
                "-o",
                opts,
                "-w",
                "-t",
                str(int(START_TIMEOUT_S)),
                "start",
            ]
        )
    )
    wait_until(lambda: port_open("127.0.0.1", port), START_TIMEOUT_S, "PostgreSQL", paths.log)
    _ensure_database(bins, paths, port)
    return f"PostgreSQL started on 127.0.0.1:{port} (data in {paths.data})"


def _psql(bins: Path, port: int, sql: str, db: str = "postgres") -> str:
    out = run(
        [str(bins / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", db, "-tAc", sql]
    )
    return out.stdout.strip()


def _ensure_database(bins: Path, paths: PgPaths, port: int) -> None:
    if _psql(bins, port, f"SELECT 1 FROM pg_roles WHERE rolname='{DB_USER}'") != "1":
        _psql(bins, port, f"CREATE ROLE {DB_USER} LOGIN SUPERUSER PASSWORD '{DB_PASSWORD}'")
    if _psql(bins, port, f"SELECT 1 FROM pg_database WHERE datname='{DB_NAME}'") != "1":
        _psql(bins, port, f"CREATE DATABASE {DB_NAME} OWNER {DB_USER}")


def down(stack_dir: Path) -> str:
    """Stop the cluster this project started (only that one)."""
    bins = bin_dir()
    paths = PgPaths((stack_dir / "pg").resolve())
    if bins is None or not (paths.data / "postmaster.pid").exists():
        return "PostgreSQL was not running from this project"
    run(_as_postgres([str(bins / "pg_ctl"), "-D", str(paths.data), "-m", "fast", "-w", "stop"]))
    return "PostgreSQL stopped"


def status(port: int) -> str:
    """One line on whether the server answers."""
    return f"PostgreSQL on 127.0.0.1:{port}: {'up' if port_open('127.0.0.1', port) else 'down'}"
