"""`seojobs services up|down|status`, `seojobs serve NAME`, and the demo."""

from __future__ import annotations

import os
import sys

import typer

from seojobs import supervise
from seojobs.cli.common import console, settings

app = typer.Typer(no_args_is_help=True)


@app.command()
def up(names: list[str] = typer.Argument(None, help="Services to start (default: all).")) -> None:
    """Start the services in the background (logs in .stack/logs)."""
    cfg = settings()
    for name in names or list(supervise.SERVICES):
        _check(name)
        console.print(supervise.start(cfg.stack_dir, name))


@app.command()
def down(names: list[str] = typer.Argument(None, help="Services to stop (default: all).")) -> None:
    """Stop the background services."""
    cfg = settings()
    for name in names or list(supervise.SERVICES):
        _check(name)
        console.print(supervise.stop(cfg.stack_dir, name))


@app.command()
def status() -> None:
    """Which services run, with their pids."""
    for name, pid in supervise.status(settings().stack_dir):
        console.print(f"{name:12} {'pid ' + str(pid) if pid else 'stopped'}")


def _check(name: str) -> None:
    if name not in supervise.SERVICES:
        console.print(f"[red]unknown service {name!r}[/red]; known: {', '.join(supervise.SERVICES)}")
        raise typer.Exit(2)


def serve(name: str) -> None:
    """Run one service in the foreground (api, relay, projector, crawler, analyzer, maintenance)."""
    _check(name)
    os.execv(sys.executable, [sys.executable, "-m", *supervise.SERVICES[name]])


def demo() -> None:
    """Set everything up and run the demo jobs end to end (see README)."""
    from seojobs.cli.demo import run_demo

    run_demo(settings())
