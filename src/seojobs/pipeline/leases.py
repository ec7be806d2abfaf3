"""A worker's leases in PostgreSQL: the durable record of which process runs (or holds) a job.

The lease, not the Kafka message, is what keeps a long job alive: a work message is committed as
soon as its job is leased, the job runs outside the partition's actor, and heartbeats renew the
lease. A duplicate or redelivered message finds the lease and is skipped; a job whose worker died
is restarted by the dispatcher once its lease is stale (see lease_watch.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db import lease_queries as lq
from seojobs.domain.json_text import json_text

#: Lease states.
HELD, RUNNING = "held", "running"


@dataclass(frozen=True)
class Claim:
    """One work message to lease: the job, its attempt and where the message came from."""

    job_id: uuid.UUID
    series: int
    attempt: int
    final_seq: int
    state: str
    rank: int
    #: The work message; None for a running first attempt (see Run.claim).
    request: bytes | None
    topic: str
    partition: int
    offset: int


@dataclass(frozen=True)
class JobView:
    """What the job's row says about a message's attempt, and whether the call leased it."""

    status: str
    cancel_requested: bool
    series: int
    last_seq: int
    stored: Any
    claimed: bool


@dataclass(frozen=True)
class TakenLease:
    """A held job this worker took to run, with its job's view."""

    job_id: uuid.UUID
    series: int
    attempt: int
    rank: int
    request: bytes
    topic: str
    partition: int
    offset: int
    view: JobView


@dataclass(frozen=True)
class Renewal:
    """A lease a heartbeat renewed, and whether its job's cancellation was asked for."""

    job_id: uuid.UUID
    series: int
    attempt: int
    cancel_requested: bool


#: One attempt of a job: (job id, series, attempt).
AttemptKey = tuple[uuid.UUID, int, int]


class LeaseStore:
    """The lease statements of one worker process (each one statement, one round trip)."""

    def __init__(self, engine: AsyncEngine, worker: str, service: str) -> None:
        self.worker = worker
        self.service = service
        self._single = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def claim(self, claims: Sequence[Claim]) -> dict[uuid.UUID, JobView]:
        """Lease each claim's job unless it is leased already; every existing job's view."""
        params = {
            "ids": [c.job_id for c in claims],
            "series": [c.series for c in claims],
            "attempts": [c.attempt for c in claims],
            "finals": [c.final_seq for c in claims],
            "states": [c.state for c in claims],
            "ranks": [c.rank for c in claims],
            "requests": [c.request for c in claims],
            "topics": [c.topic for c in claims],
            "partitions": [c.partition for c in claims],
            "offsets": [c.offset for c in claims],
            "worker": self.worker,
            "service": self.service,
        }
        async with self._single.connect() as conn:
            rows = (await conn.execute(lq.CLAIM, params)).all()
        return {
            row.id: JobView(
                row.status, row.cancel_requested, row.series, row.last_seq, row.stored, row.claimed
            )
            for row in rows
        }

    async def take_held(self, n: int, *, by_age: bool) -> list[TakenLease]:
        """Take up to n held jobs of the service to run here."""
        async with self._single.connect() as conn:
            rows = (
                await conn.execute(
                    lq.TAKE_HELD, {"service": self.service, "worker": self.worker, "n": n, "by_age": by_age}
                )
            ).all()
        return [
            TakenLease(
                r.job_id,
                r.series,
                r.attempt,
                r.rank,
                r.request,
                r.topic,
                r.partition,
                r.offset,
                JobView(r.status, r.cancel_requested, r.job_series, r.last_seq, r.stored, True),
            )
            for r in rows
        ]

    async def put_back(self, key: AttemptKey, request: bytes) -> None:
        """Hold a job this worker took or claimed again (it has no slot for it after all, or could
        not start it); the held lease carries the job's work message."""
        async with self._single.connect() as conn:
            await conn.execute(
                lq.PUT_BACK,
                {
                    "id": key[0],
                    "series": key[1],
                    "attempt": key[2],
                    "worker": self.worker,
                    "request": request,
                },
            )

    async def heartbeat(self, job_ids: Sequence[uuid.UUID]) -> list[Renewal]:
        """Renew this worker's leases of these jobs; the ones it still holds."""
        if not job_ids:
            return []
        async with self._single.connect() as conn:
            rows = (await conn.execute(lq.HEARTBEAT, {"worker": self.worker, "ids": list(job_ids)})).all()
        return [Renewal(r.job_id, r.series, r.attempt, r.cancel_requested) for r in rows]

    async def holds(self, key: AttemptKey) -> bool:
        """Whether this worker still holds that attempt's lease."""
        async with self._single.connect() as conn:
            row = (
                await conn.execute(
                    lq.HOLDS, {"id": key[0], "series": key[1], "attempt": key[2], "worker": self.worker}
                )
            ).first()
        return row is not None

    async def store_results(self, results: Sequence[tuple[AttemptKey, Any]]) -> set[uuid.UUID]:
        """Store the results of attempts whose lease this worker holds; the jobs stored."""
        async with self._single.connect() as conn:
            rows = (
                await conn.execute(
                    lq.STORE_RESULTS,
                    {
                        "ids": [k[0] for k, _ in results],
                        "series": [k[1] for k, _ in results],
                        "attempts": [k[2] for k, _ in results],
                        "results": [json_text(result) for _, result in results],
                        "worker": self.worker,
                    },
                )
            ).all()
        return {row.job_id for row in rows}

    async def release(self, keys: Sequence[AttemptKey]) -> None:
        """Drop the leases of finished attempts."""
        async with self._single.connect() as conn:
            await conn.execute(
                lq.RELEASE,
                {
                    "ids": [k[0] for k in keys],
                    "series": [k[1] for k in keys],
                    "attempts": [k[2] for k in keys],
                    "worker": self.worker,
                },
            )

    async def hand_back(self) -> int:
        """Mark this worker's running leases stale at once (it is stopping): the dispatcher restarts
        their jobs elsewhere at its next round instead of after the stale timeout."""
        async with self._single.connect() as conn:
            result = await conn.execute(lq.HAND_BACK, {"worker": self.worker})
        return int(getattr(result, "rowcount", 0) or 0)
