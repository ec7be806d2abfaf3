"""The relay's loop, over ports: publish the outbox, dispatch, restart stale jobs, then idle or retry.

The loop's decisions (go on at once after a full batch or a release, stop in drain mode once the
outbox is empty, back off and recover after a transient failure, sleep until woken or due) are
made here, on :class:`RelayPorts`; ``relay.py`` implements the ports with PostgreSQL and Kafka and
``tests/unit/pipeline/test_pipeline_relay_loop.py`` with in-memory fakes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger("seojobs.relay")


class RelayPorts(Protocol):
    """What one round of the relay does, and how it recovers."""

    async def publish_batch(self) -> int:
        """Publish and delete one batch of outbox rows; how many went out."""

    async def dispatch(self) -> int:
        """Release due jobs to their work topics; how many."""

    async def restart_stale(self) -> int:
        """Restart the jobs of stale leases; how many."""

    async def idle_timeout(self) -> float:
        """Seconds to sleep when idle (less when a scheduled job falls due)."""

    async def recover(self, exc: BaseException) -> None:
        """Prepare for the next round after a transient failure (e.g. a fresh producer)."""


class Pauses(Protocol):
    """Growing pauses after failures (``outages.Backoff``)."""

    async def sleep(self) -> None:
        """Wait the next pause."""

    def reset(self) -> None:
        """Start again from the first pause."""


@dataclass
class LoopStats:
    """What the loop has done since it started."""

    rounds: int = 0
    failures: int = 0


@dataclass
class RelayLoop:
    """Runs rounds on the ports until stopped (or, in drain mode, until the outbox is empty)."""

    ports: RelayPorts
    pauses: Pauses
    batch_size: int
    #: Errors that mean "try again later" (database or broker away); anything else propagates.
    transient: tuple[type[BaseException], ...]
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    stats: LoopStats = field(default_factory=LoopStats)

    def stop(self) -> None:
        """Finish the current round and stop."""
        self.stopping.set()
        self.wake.set()

    async def round(self, *, drain: bool) -> float | None:
        """One round: None to go on at once or stop (see ``stopping``), else the seconds to idle."""
        try:
            # The outbox first: a job's job.requested goes out before its work message.
            published = await self.ports.publish_batch()
            released = await self.ports.dispatch()
            restarted = await self.ports.restart_stale()
            self.pauses.reset()
            self.stats.rounds += 1
            if published >= self.batch_size or released or restarted:
                return None
            if drain and published == 0:
                self.stopping.set()
                return None
            return await self.ports.idle_timeout()
        except self.transient as exc:
            self.stats.failures += 1
            log.warning("outbox publish failed, will retry: %s", exc)
            await self.pauses.sleep()
            await self.ports.recover(exc)
            return None

    async def run(self, *, drain: bool = False) -> LoopStats:
        """Run rounds; between them sleep until woken (NOTIFY) or the idle timeout passes."""
        while not self.stopping.is_set():
            self.wake.clear()
            timeout = await self.round(drain=drain)
            if timeout is None:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout)
        return self.stats
