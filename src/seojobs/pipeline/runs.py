"""One job attempt as it goes through a worker, and the run slot it holds."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

from seojobs.domain.events import TERMINAL_STEP, JobEvent, event_seq
from seojobs.domain.jobs import JobType
from seojobs.domain.requests import rebuildable
from seojobs.pipeline.context import RunContext
from seojobs.pipeline.leases import HELD, AttemptKey, Claim
from seojobs.pipeline.slots import LaneSlots


@dataclass(frozen=True)
class Origin:
    """Where a message came from (for logs and dead letters)."""

    topic: str
    partition: int
    offset: int


#: Why a worker stopped a run itself: its job's cancellation was requested, its lease was taken
#: away (the job restarted elsewhere), or the worker is stopping.
STOP_CANCELLED, STOP_FENCED, STOP_SHUTDOWN = "cancelled", "fenced", "shutdown"


@dataclass(eq=False)
class Run:
    """One attempt of one job in this worker, from its message to its terminal event."""

    request: JobEvent
    job_type: JobType
    payload: dict[str, Any]
    origin: Origin
    series: int
    rank: int
    raw: bytes
    outcome: str = "pending"
    result: Any = None
    error: BaseException | None = None
    began: float = 0.0
    started: asyncio.Future[object] | None = None
    stop_reason: str | None = None
    task: asyncio.Future[None] | None = None
    ctx: RunContext = field(init=False)

    @property
    def job_id(self) -> uuid.UUID:
        """The job's id."""
        return uuid.UUID(self.request.job_id)

    @property
    def attempt(self) -> int:
        """This attempt's number (1-based)."""
        return self.request.attempt + 1

    @property
    def final(self) -> int:
        """The sequence number of this attempt's terminal event."""
        return event_seq(self.series, self.attempt, TERMINAL_STEP)

    @property
    def key(self) -> AttemptKey:
        """This attempt's lease key."""
        return (self.job_id, self.series, self.attempt)

    def claim(self, state: str) -> Claim:
        """The lease this run asks for. A held lease carries the message (any worker may run it);
        a running first attempt does not: its message is rebuilt from the job's row if needed."""
        carried = self.raw if state == HELD or not rebuildable(self.request) else None
        return Claim(
            self.job_id,
            self.series,
            self.attempt,
            self.final,
            state,
            self.rank,
            carried,
            self.origin.topic,
            self.origin.partition,
            self.origin.offset,
        )

    def stop(self, reason: str) -> None:
        """Stop the handler (the run settles as ``reason`` says)."""
        if self.stop_reason is None and self.task is not None and not self.task.done():
            self.stop_reason = reason
            self.task.cancel()


class Slot:
    """One run slot of the worker's LaneSlots, given back exactly once."""

    def __init__(self, slots: LaneSlots, rank: int) -> None:
        self._slots = slots
        self._rank = rank
        self.held = False

    def try_take(self) -> bool:
        """Take a free slot now, if there is one."""
        self.held = self._slots.try_acquire()
        return self.held

    async def take_within(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` for a slot (higher lanes first); whether one was taken."""
        if self.try_take() or timeout_s <= 0:
            return self.held
        try:
            await asyncio.wait_for(self._slots.acquire(self._rank), timeout_s)
        except TimeoutError:
            return False
        self.held = True
        return True

    def give_back(self) -> None:
        """Release the slot (a no-op when none is held)."""
        if self.held:
            self.held = False
            self._slots.release()
