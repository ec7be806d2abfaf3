"""The dispatcher: sends waiting jobs to their work topics, fairly and within each lane's window.

Jobs wait in PostgreSQL until they are due (scheduledFor), their dependencies completed, and their
lane has room: at most ``window`` jobs of a (service, lane) are in Kafka and unfinished at once.
Within a lane the next job is chosen by priority, then round robin across users (a user's waiting
jobs queue behind what that user already has in flight), then age, so one user's flood cannot push
another user's job behind thousands of its own: the other job goes out in the next round. A job
one of whose dependencies failed or was cancelled is cancelled.
The relay hands its producer to each round: the work messages are then sent straight to Kafka and
acknowledged before the transaction that marks the jobs dispatched commits (if that commit fails,
the jobs go out again in a later round, and the worker skips the duplicate). Without a producer
(the cron endpoint, tests) they go through the outbox in that transaction instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from seojobs.adapters.db import queries as q
from seojobs.adapters.db.job_store import write_outbox
from seojobs.adapters.kafka.producer import send_all
from seojobs.domain.events import FINAL_STEP, EventType, JobEvent, event_seq
from seojobs.domain.jobs import JobType, Service
from seojobs.domain.lanes import LANE_RANGES, Lane
from seojobs.domain.registry import job_types_of, spec_of
from seojobs.domain.requests import dispatched_request
from seojobs.domain.topics import Topics
from seojobs.pipeline.lease_watch import LeaseWatch

#: Jobs of one (service, lane) that may be in Kafka and unfinished at once.
DEFAULT_WINDOW = 256
#: Most jobs one lane releases per round.
DEFAULT_BATCH = 500
#: A lane with something in flight releases only once this share of its window is free: under load
#: a round then sends a chunk of jobs instead of one (each round sorts the lane's whole backlog),
#: while the jobs still in flight keep the workers busy. An idle lane releases at once.
CHUNK_SHARE = 8


def chunk_of(window: int) -> int:
    """The least room worth a round in a lane that has jobs in flight."""
    return max(1, window // CHUNK_SHARE)


@dataclass(frozen=True)
class Released:
    """A job sent to its work topic."""

    job_id: str
    job_type: str
    priority: int
    topic: str


class Dispatcher:
    """Releases due jobs to Kafka through the outbox."""

    def __init__(
        self,
        engine: AsyncEngine,
        topics: Topics,
        *,
        window: int = DEFAULT_WINDOW,
        batch: int = DEFAULT_BATCH,
        lease_watch: LeaseWatch | None = None,
    ) -> None:
        self.engine = engine
        self.topics = topics
        self.window = window
        self.batch = batch
        #: Restarts the jobs whose worker died (None: nobody here watches the leases).
        self.lease_watch = lease_watch

    async def restart_stale(self) -> int:
        """Restart the jobs of stale leases (at most once a second); how many."""
        return await self.lease_watch.restart_stale() if self.lease_watch is not None else 0

    async def dispatch(self, producer: AIOKafkaProducer | None = None) -> list[Released]:
        """One round: cancel doomed dependents, then release what each lane has room for; the work
        messages are sent with ``producer`` (acknowledged before the round commits), or written to the
        outbox without one."""
        async with self.engine.begin() as conn:
            await self._cancel_doomed(conn)
            due = (await conn.execute(q.DUE_LANES)).all()
            sent: list[tuple[Released, JobEvent]] = []
            lanes = {(service, Lane(lane)) for t, lane in due if (service := _service_of(t)) is not None}
            for service, lane in sorted(lanes):
                sent += await self._release_lane(conn, service, lane, direct=producer is not None)
            messages = [(released.topic, event) for released, event in sent]
            if producer is None:
                await write_outbox(conn, messages)
            else:
                await send_all(producer, [(topic, event.key, event.encode()) for topic, event in messages])
        return [released for released, _ in sent]

    async def next_due(self) -> datetime | None:
        """When the next scheduled job falls due."""
        async with self.engine.connect() as conn:
            value: datetime | None = (await conn.execute(q.NEXT_DUE)).scalar()
        return value

    async def _release_lane(
        self, conn: AsyncConnection, service: Service, lane: Lane, *, direct: bool
    ) -> list[tuple[Released, JobEvent]]:
        """Release the jobs a lane has room for: its jobs in flight per user, then (if there is room)
        one statement that chooses, locks and marks them. Each comes with its work message. With
        ``direct`` a job whose job.requested is still in the outbox waits (its work message must not
        overtake it)."""
        lo, hi = LANE_RANGES[lane]
        lane_args = {"types": [t.value for t in job_types_of(service)], "lo": lo, "hi": hi}
        busy = (await conn.execute(q.INFLIGHT_BY_USER, lane_args)).all()
        inflight = sum(count for _, count in busy)
        room = self.window - inflight
        if room <= 0 or (inflight and room < chunk_of(self.window)):
            return []
        rows = (
            (
                await conn.execute(
                    q.RELEASE_LANE,
                    {
                        **lane_args,
                        "limit": min(room, self.batch),
                        "unpublished_first": direct,
                        "busy_users": [user for user, _ in busy],
                        "busy_counts": [count for _, count in busy],
                    },
                )
            )
            .mappings()
            .all()
        )
        topic = self.topics.requested(service, lane)
        return [
            (Released(str(r["id"]), r["type"], r["priority"], topic), dispatched_request(r)) for r in rows
        ]

    async def _cancel_doomed(self, conn: AsyncConnection) -> None:
        doomed = (await conn.execute(q.DOOMED_DEPENDENTS, {"limit": self.batch})).mappings().all()
        for r in doomed:
            reason = f"dependency {r['dep_id']} ended {r['dep_status']}"
            seq = event_seq(r["series"], r["attempts"], FINAL_STEP)
            await conn.execute(q.CANCEL_PENDING, {"id": r["id"], "seq": seq, "reason": reason})
            event = JobEvent(
                EventType.CANCELLED, str(r["id"]), r["type"], r["attempts"], seq, {"reason": reason}
            )
            await write_outbox(conn, [(self.topics.job_events, event)])


def _service_of(job_type: str) -> Service | None:
    try:
        return spec_of(JobType(job_type)).service
    except (ValueError, KeyError):
        return None
