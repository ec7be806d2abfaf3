"""All peers, one after another: what ``python -m bench.peers`` and the project's bench call."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable
from typing import cast

from bench.peers.harness import DEFAULT_TIMEOUT_S
from bench.peers.result import PeerResult

log = logging.getLogger(__name__)

#: Every peer: its name, the module holding its ``run``, and the package it needs.
PEERS = {
    "celery": ("bench.peers.celery_peer", "celery"),
    "procrastinate": ("bench.peers.procrastinate_peer", "procrastinate"),
    "pgqueuer": ("bench.peers.pgqueuer_peer", "pgqueuer and asyncpg"),
}

#: The uniform signature of every peer's ``run(jobs, workers=..., concurrency=..., timeout_s=...)``.
Run = Callable[..., PeerResult]


def load(name: str) -> Run:
    """A peer's ``run``; ImportError names the missing package and how to install it."""
    module_name, package = PEERS[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ImportError(
            f"{name}: cannot import {exc.name or package} ({exc}); install the peers with "
            "`.venv/bin/pip install -e '.[dev,bench]'`"
        ) from exc
    return cast(Run, module.run)


def run_all(
    jobs: int, only: Iterable[str] | None = None, workers: int = 1, timeout_s: float = DEFAULT_TIMEOUT_S
) -> list[PeerResult]:
    """Measure each peer (all by default) on ``jobs`` no-op jobs with its default concurrency."""
    results: list[PeerResult] = []
    for name in only or PEERS:
        try:
            run = load(name)
        except ImportError as exc:
            log.error("%s", exc)
            results.append(PeerResult(name, "-", jobs, error=str(exc)))
            continue
        results.append(run(jobs, workers=workers, timeout_s=timeout_s))
    return results
