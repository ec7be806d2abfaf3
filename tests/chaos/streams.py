"""A stream of no-op jobs through the running services, and the invariants checked after a fault."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import defaultdict
from typing import Any

import httpx
import psycopg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db.engine import make_engine
from seojobs.domain.jobs import JobType
from seojobs.domain.topics import Topics
from seojobs.pipeline.projector import Projector
from seojobs.queue_service import QueueService
from seojobs.settings import Settings
from tests.support.services import ServiceSet, wait_for
from tests.support.stack import StackAddress
from tests.support.topics_io import group_lag, read_json

#: Jobs one enqueue transaction (or one bulk request) carries.
ENQUEUE_BATCH = 250
#: Events that end a job.
TERMINAL_EVENTS = frozenset({"job.completed", "job.failed", "job.cancelled"})

_STATUS = text("SELECT status, count(*) FROM jobs WHERE type = 'NOOP' GROUP BY status")
_ROWS = text("SELECT id, status, attempts, result FROM jobs WHERE type = 'NOOP'")


class Stream:
    """The jobs one chaos test enqueues, and the checks that nothing was lost or done twice."""

    def __init__(
        self, settings: Settings, services: ServiceSet, stack: StackAddress, template_db: str
    ) -> None:
        self.settings = settings
        self.services = services
        self.stack = stack
        self.template_db = template_db
        self.topics = Topics(settings.topic_prefix)
        self.ids: set[str] = set()

    async def enqueue(
        self, engine: AsyncEngine, n: int, batch: int = ENQUEUE_BATCH, pause_s: float = 0.0
    ) -> None:
        """Enqueue n no-op jobs through QueueService, ``batch`` per transaction, pausing between."""
        queue = QueueService(engine, self.topics)
        for start in range(0, n, batch):
            jobs = [queue.build(JobType.NOOP, {"tag": "chaos"}) for _ in range(min(batch, n - start))]
            async with engine.begin() as conn:
                for job in jobs:
                    self.ids.add(str((await queue.submit_in(conn, job)).job_id))
            if pause_s:
                await asyncio.sleep(pause_s)  # a steady trickle, so faults land mid-stream

    async def enqueue_http(self, http: httpx.AsyncClient, headers: dict[str, str], n: int) -> None:
        """Enqueue n no-op jobs through POST /api/jobs/noop/bulk."""
        for start in range(0, n, ENQUEUE_BATCH):
            count = min(ENQUEUE_BATCH, n - start)
            resp = await http.post(
                f"{self.services.api_url}/api/jobs/noop/bulk",
                json={"count": count, "tag": "chaos"},
                headers=headers,
            )
            assert resp.status_code == 202, resp.text
            self.ids.update(resp.json()["jobIds"])

    async def statuses(self, engine: AsyncEngine) -> dict[str, int]:
        """How many of the stream's jobs are in each status."""
        async with engine.connect() as conn:
            return {str(s): int(c) for s, c in (await conn.execute(_STATUS)).all()}

    async def wait_done(self, engine: AsyncEngine, at_least: int, timeout_s: float = 180) -> None:
        """Wait until at least this many jobs have completed."""
        seen: dict[str, int] = {}

        async def reached() -> bool:
            seen.clear()
            seen.update(await self.statuses(engine))
            return seen.get("COMPLETED", 0) >= at_least

        await wait_for(
            reached, timeout_s, f"{at_least} completed jobs (statuses {seen})", self.services.log_tail, 0.2
        )

    async def wait_all_done(self, engine: AsyncEngine, timeout_s: float = 240) -> None:
        """Wait until every job has completed and the projector has applied every event."""
        await self.wait_done(engine, len(self.ids), timeout_s)
        group = f"{self.settings.topic_prefix}seojobs-projector"

        async def applied() -> bool:
            return await group_lag(self.settings.kafka_bootstrap_servers, group, self.topics.job_events) == 0

        await wait_for(applied, 60, "the projector to commit every event", self.services.log_tail, 0.5)

    async def check(self, engine: AsyncEngine) -> dict[str, int]:
        """Assert every invariant; return the event counts (for scenario-specific checks)."""
        rows = await self._rows(engine)
        assert set(rows) == self.ids, "every accepted job has its row, and no other appeared"
        assert {r["status"] for r in rows.values()} == {"COMPLETED"}, await self.statuses(engine)
        async with engine.connect() as conn:
            results: dict[str, int] = dict(
                (
                    await conn.execute(text("SELECT job_id::text, count(*) FROM job_results GROUP BY job_id"))
                ).all()
            )
            outbox = (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar_one()
        assert outbox == 0, "the outbox was drained"
        assert set(results) == self.ids and set(results.values()) == {1}, "one stored result per job"
        kinds = await self._check_events()
        rebuilt = await self.rebuild(engine)
        diff = [j for j in self.ids if rows[j] != rebuilt.get(j)]
        assert not diff, f"{len(diff)} differ from the rebuild: {rows[diff[0]]} != {rebuilt.get(diff[0])}"
        return kinds

    async def _check_events(self) -> dict[str, int]:
        events = await read_json(self.settings.kafka_bootstrap_servers, self.topics.job_events)
        ends: dict[str, set[str]] = defaultdict(set)
        kinds: dict[str, int] = defaultdict(int)
        for e in events:
            if e.get("job_id") not in self.ids:
                continue
            kinds[str(e["event_type"])] += 1
            if e["event_type"] in TERMINAL_EVENTS:
                ends[str(e["job_id"])].add(str(e["event_type"]))
        assert set(ends) == self.ids, f"{len(self.ids - set(ends))} jobs have no terminal event"
        assert all(v == {"job.completed"} for v in ends.values()), "exactly one terminal state per job"
        return dict(kinds)

    async def _rows(self, engine: AsyncEngine) -> dict[str, dict[str, Any]]:
        async with engine.connect() as conn:
            rows = (await conn.execute(_ROWS)).all()
        return {str(r.id): {"status": r.status, "attempts": r.attempts, "result": r.result} for r in rows}

    async def rebuild(self, engine: AsyncEngine) -> dict[str, dict[str, Any]]:
        """Replay the job-event topic from its start into an empty copy of the schema."""
        name = f"r_{uuid.uuid4().hex[:16]}"
        admin_url = self.stack.libpq_url("postgres")
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {self.template_db}")
        copy = make_engine(self.stack.sqlalchemy_url(name), pool_size=2)
        try:
            await self._copy_users(engine, copy)
            projector = Projector(
                copy, self.settings.kafka_bootstrap_servers, self.topics.job_events, "", f"rebuild-{name}"
            )
            await projector.run(drain=True)
            return await self._rows(copy)
        finally:
            await copy.dispose()
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    @staticmethod
    async def _copy_users(source: AsyncEngine, target: AsyncEngine) -> None:
        """The owners the jobs refer to (the event log holds jobs, not accounts)."""
        async with source.connect() as conn:
            users = [
                dict(r._mapping)
                for r in (await conn.execute(text("SELECT id, email, role FROM users"))).all()
            ]
        if users:
            async with target.begin() as conn:
                await conn.execute(
                    text("INSERT INTO users (id, email, role) VALUES (:id, :email, :role)"), users
                )


def dead_letters_of(records: list[dict[str, Any]], component: str) -> list[dict[str, Any]]:
    """The dead-letter records one component wrote."""
    return [r for r in records if r.get("component") == component]


def as_json(value: Any) -> bytes:
    """Compact JSON bytes."""
    return json.dumps(value, separators=(",", ":")).encode()
