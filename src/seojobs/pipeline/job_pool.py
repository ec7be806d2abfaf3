"""The jobs one worker process runs, apart from the Kafka consumer that brought them.

Runs live here, not in a partition's actor: a rebalance that moves a partition neither waits for
them nor stops them. A heartbeat renews their leases (and so tells the worker which jobs were
cancelled, or taken away after the worker stalled), releases the leases of finished attempts in one
statement, and lets the worker take held jobs when it has free run slots.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable

from seojobs.pipeline.leases import AttemptKey, LeaseStore
from seojobs.pipeline.outages import Backoff
from seojobs.pipeline.runs import STOP_CANCELLED, STOP_FENCED, STOP_SHUTDOWN, Run

log = logging.getLogger("seojobs.worker")

#: Seconds between two heartbeats of a worker's leases.
DEFAULT_HEARTBEAT_S = 1.0
#: Finished leases released at once, without waiting for the next heartbeat.
RELEASE_BATCH = 200


class JobPool:
    """The runs of one worker process, their heartbeat and their leases' release."""

    def __init__(
        self,
        leases: LeaseStore,
        refill: Callable[[], Awaitable[None]],
        heartbeat_s: float = DEFAULT_HEARTBEAT_S,
    ) -> None:
        self.leases = leases
        self._refill = refill
        self.heartbeat_s = heartbeat_s
        self.runs: dict[uuid.UUID, Run] = {}
        self._finished: list[AttemptKey] = []
        self._loop: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self._background: set[asyncio.Future[None]] = set()
        self._refilling: asyncio.Future[None] | None = None

    def start(self) -> None:
        """Start the heartbeat loop."""
        if self._loop is None:
            self._loop = asyncio.ensure_future(self._beat_forever())

    def add(self, run: Run) -> None:
        """A run started here."""
        self.runs[run.job_id] = run
        self._idle.clear()

    def finished(self, run: Run, *, release: bool) -> None:
        """A run ended; its lease is released with the next batch when ``release``."""
        if self.runs.get(run.job_id) is run:
            del self.runs[run.job_id]
        if release:
            self._finished.append(run.key)
            if len(self._finished) >= RELEASE_BATCH:
                task = asyncio.ensure_future(self._release_quietly())
                self._background.add(task)
                task.add_done_callback(self._background.discard)
        if not self.runs:
            self._idle.set()

    def release_later(self, key: AttemptKey) -> None:
        """Release a lease this worker took but will not run (its job ended meanwhile)."""
        self._finished.append(key)

    async def wait_idle(self) -> None:
        """Until no run is left (tests and drain mode)."""
        await self._idle.wait()

    async def beat(self) -> None:
        """One heartbeat: release, renew, stop what was cancelled or taken away, refill."""
        # Finished runs' leases go first: then only running jobs' leases are renewed (a finished
        # one would be written once more only to be deleted).
        await self._release()
        # Only the runs the statement asked about: one launched while it ran is not in its answer.
        asked = list(self.runs.values())
        renewed = {
            (r.job_id, r.series, r.attempt): r
            for r in await self.leases.heartbeat([run.job_id for run in asked])
        }
        for run in asked:
            if run.task is None or run.task.done() or run.outcome != "running":
                continue
            renewal = renewed.get(run.key)
            if renewal is None:
                log.warning("job %s attempt %d: lease taken away, stopping the run", run.job_id, run.attempt)
                run.stop(STOP_FENCED)
            elif renewal.cancel_requested:
                run.stop(STOP_CANCELLED)
        # Taking held jobs starts runs, and starting a run sends to Kafka: it must never hold up the
        # heartbeat (a broker outage would let every lease of this worker go stale).
        if self._refilling is None or self._refilling.done():
            self._refilling = asyncio.ensure_future(self._refill_quietly())

    async def _release(self) -> None:
        keys, self._finished = self._finished, []
        if not keys:
            return
        try:
            await self.leases.release(keys)
        except BaseException:
            self._finished.extend(keys)
            raise

    async def _refill_quietly(self) -> None:
        try:
            await self._refill()
        except Exception as exc:  # the database or Kafka is away: the next heartbeat tries again
            log.warning("taking held jobs failed, will retry: %s", exc)

    async def _release_quietly(self) -> None:
        with contextlib.suppress(Exception):
            await self._release()

    async def _beat_forever(self) -> None:
        backoff = Backoff()
        while True:
            try:
                await self.beat()
                backoff.reset()
                await asyncio.sleep(self.heartbeat_s)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is away: leases go stale only after many beats
                log.warning("heartbeat failed, will retry: %s", exc)
                await backoff.sleep()

    async def stop(self) -> None:
        """Stop beating, stop the runs, release what finished and hand the rest back at once."""
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(BaseException):
                await self._loop
            self._loop = None
        if self._refilling is not None:
            self._refilling.cancel()
            with contextlib.suppress(BaseException):
                await self._refilling
        tasks = [run.task for run in self.runs.values() if run.task is not None]
        for run in list(self.runs.values()):
            run.stop(STOP_SHUTDOWN)
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self._release()
            handed = await self.leases.hand_back()
            if handed:
                log.info("handed back %d running job(s) for a restart elsewhere", handed)
