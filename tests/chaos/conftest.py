"""Chaos fixtures: the services as processes with the no-op job enabled, and the stream helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from seojobs.settings import Settings
from tests.chaos.streams import Stream
from tests.support.services import ServiceSet
from tests.support.stack import StackAddress

#: Jobs one worker process runs at once in these tests (one per work partition).
CHAOS_CONCURRENCY = 6


@pytest.fixture
def services(settings: Settings, tmp_path: Path) -> Iterator[ServiceSet]:
    """This test's services, NOOP enabled; all stopped afterwards."""
    svc = ServiceSet(
        settings, tmp_path, SEOJOBS_BENCH_ENABLED="true", SEOJOBS_WORKER_CONCURRENCY=CHAOS_CONCURRENCY
    )
    try:
        yield svc
    finally:
        svc.stop_all()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client."""
    async with httpx.AsyncClient(timeout=60) as client:
        yield client


@pytest.fixture
def stream(settings: Settings, services: ServiceSet, stack: StackAddress, template_db: str) -> Stream:
    """Enqueue a stream of jobs and check the invariants afterwards."""
    return Stream(settings, services, stack, template_db)
