"""The dispatcher's watch over leases: a job whose worker died starts again elsewhere.

Each round locks the stale leases (skipping any another relay holds), decides with
domain/restarts.py, and writes the restart's events to the outbox in the same transaction that
drops the lease, so a restart is published exactly once, after its job.requested.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from seojobs.adapters.db import lease_queries as lq
from seojobs.adapters.db import queries as q
from seojobs.adapters.db.job_store import write_outbox
from seojobs.domain.errors import ValidationFailed
from seojobs.domain.events import FINAL_STEP, EventType, JobEvent, decode_event, event_seq
from seojobs.domain.requests import dispatched_request
from seojobs.domain.restarts import RestartDecision, StaleLease, plan_restart
from seojobs.domain.topics import Topics
from seojobs.pipeline.dead_letters import dead_letter_record

log = logging.getLogger("seojobs.dispatcher")

#: Stale leases handled per round.
ROUND_LIMIT = 200
#: Least seconds between two looks at the leases.
CHECK_EVERY_S = 1.0


class LeaseWatch:
    """Restarts the jobs of leases not renewed for ``stale_after_s`` seconds."""

    def __init__(
        self, engine: AsyncEngine, topics: Topics, stale_after_s: float, check_every_s: float = CHECK_EVERY_S
    ) -> None:
        self.engine = engine
        self.topics = topics
        self.stale_after_s = stale_after_s
        self.check_every_s = check_every_s
        self._last = 0.0

    async def restart_stale(self, *, now: float | None = None) -> int:
        """One round (at most every ``check_every_s``); how many jobs were restarted or failed."""
        clock = time.monotonic() if now is None else now
        if clock - self._last < self.check_every_s:
            return 0
        self._last = clock
        changed = 0
        async with self.engine.begin() as conn:
            rows = (
                await conn.execute(lq.STALE_LEASES, {"stale_s": self.stale_after_s, "limit": ROUND_LIMIT})
            ).all()
            for r in rows:
                await conn.execute(lq.DROP_LEASE, {"id": r.job_id, "series": r.series, "attempt": r.attempt})
                try:
                    request = decode_event(_raw_request(r))
                except ValidationFailed:
                    continue  # admitted once, so never the case: nothing to restart from
                plan = plan_restart(
                    StaleLease(
                        str(r.job_id),
                        r.type,
                        r.series,
                        r.attempt,
                        r.worker,
                        r.heartbeat_at.isoformat(),
                        r.status,
                        r.last_seq,
                        request,
                    )
                )
                if plan.decision is RestartDecision.DROP or plan.event is None:
                    continue
                changed += 1
                messages = [(self.topics.job_events, plan.event)]
                if plan.work is not None:
                    messages.append((r.topic, plan.work))
                await write_outbox(conn, messages)
                if plan.decision is RestartDecision.FAIL:
                    await self._dead_letter(conn, r, plan.reason)
                log.warning(
                    "job %s: %s; %s",
                    r.job_id,
                    plan.reason,
                    plan.decision.value,
                    extra={"job_id": str(r.job_id), "attempt": r.attempt, "topic": r.topic},
                )
        return changed

    async def _dead_letter(self, conn: AsyncConnection, r: Row[Any], reason: str) -> None:
        """A job failed after too many restarts: its request goes to the dead-letter topic."""
        record = dead_letter_record(_raw_request(r), reason, r.topic, 0, 0, "dispatcher")
        await conn.execute(
            q.INSERT_OUTBOX,
            {"topic": self.topics.dead_letter, "key": str(r.job_id).encode(), "value": record},
        )
        marked = JobEvent(
            EventType.DEAD_LETTERED,
            str(r.job_id),
            r.type,
            r.attempt,
            event_seq(r.series, r.attempt, FINAL_STEP),
            {"reason": reason},
        )
        await write_outbox(conn, [(self.topics.job_events, marked)])


def _raw_request(r: Row[Any]) -> bytes:
    """The lease's work message; a running first attempt's lease has none, and its message is
    what the dispatcher built from the job's row."""
    if r.request is not None:
        return bytes(r.request)
    return dispatched_request(dict(r._mapping)).encode()
