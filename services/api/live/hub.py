"""The live hub: LISTENs for changed job ids, reads those rows once, offers them to every subscriber.

One psycopg connection per API process listens on the projector's channel. Notifications are
coalesced: while one batch of rows is being read, new ids collect for the next read. When the
LISTEN connection is lost, rows changed since shortly before the loss are re-read on reconnect,
so no subscriber misses a change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

import psycopg
from psycopg import sql
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs import metrics
from seojobs.adapters.db.job_store import job_and_lease, with_lease
from seojobs.adapters.db.models import Job
from seojobs.domain.events import utcnow
from seojobs.pipeline.job_changes import JOBS_CHANNEL, parse_job_ids
from services.api.live.subscribers import Snapshot, Subscriber

log = logging.getLogger("seojobs.api.live")

#: Pause before reconnecting a lost LISTEN connection, seconds.
RECONNECT_S = 0.5
#: How long the API's startup waits for LISTEN before serving anyway, seconds.
START_WAIT_S = 5.0
#: Rows re-read after a gap: a change committed up to this long after its updated_at is still caught.
RESYNC_SLACK = timedelta(seconds=5)
#: Most rows one resynchronisation or resume reads.
RESYNC_LIMIT = 1000


class LiveHub:
    """Subscribers of one API process and the LISTEN loop that feeds them."""

    def __init__(self, engine: AsyncEngine, libpq_url: str, channel: str = JOBS_CHANNEL) -> None:
        self.engine = engine
        self.libpq_url = libpq_url
        self.channel = channel
        self._subs: set[Subscriber] = set()
        self._ids: set[uuid.UUID] = set()
        self._noticed = 0.0
        self._resync_since: datetime | None = None
        self._lost_at = utcnow()
        self._wake = asyncio.Event()
        self.listening = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Start listening; wait (a little) until LISTEN is in place."""
        self._tasks = [asyncio.create_task(self._listen()), asyncio.create_task(self._dispatch())]
        try:
            await asyncio.wait_for(self.listening.wait(), START_WAIT_S)
        except TimeoutError:
            log.warning("live updates: LISTEN not ready after %.0fs; still trying", START_WAIT_S)

    async def stop(self) -> None:
        """Stop listening and dispatching."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    def subscribe(self, user_id: uuid.UUID | None, job_ids: Iterable[uuid.UUID] | None = None) -> Subscriber:
        """A new subscriber to the jobs of ``user_id`` (None: every job), optionally only ``job_ids``."""
        sub = Subscriber(user_id, frozenset(job_ids) if job_ids is not None else None)
        self._subs.add(sub)
        metrics.LIVE_SUBSCRIBERS.set(len(self._subs))
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        """Forget a subscriber."""
        self._subs.discard(sub)
        metrics.LIVE_SUBSCRIBERS.set(len(self._subs))

    @property
    def subscribers(self) -> int:
        """How many subscribers are connected."""
        return len(self._subs)

    async def snapshots(self, job_ids: Iterable[uuid.UUID]) -> list[Snapshot]:
        """The current rows of these jobs (the ones that exist)."""
        ids = list(set(job_ids))
        if not ids:
            return []
        async with self.engine.connect() as conn:
            rows = (await conn.execute(with_lease(select(Job)).where(Job.id.in_(ids)))).all()
        return [Snapshot.of(*job_and_lease(r)) for r in rows]

    async def changed_since(self, since: datetime, user_id: uuid.UUID | None = None) -> list[Snapshot]:
        """Rows updated at or after ``since`` (of ``user_id`` unless None), oldest change first."""
        stmt = (
            with_lease(select(Job))
            .where(Job.updated_at >= since)
            .order_by(Job.updated_at)
            .limit(RESYNC_LIMIT)
        )
        if user_id is not None:
            stmt = stmt.where(Job.user_id == user_id)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        return [Snapshot.of(*job_and_lease(r)) for r in rows]

    def publish(self, snaps: Iterable[Snapshot]) -> None:
        """Offer snapshots to every subscriber."""
        for snap in snaps:
            for sub in self._subs:
                sub.offer(snap)

    @staticmethod
    def publish_to(sub: Subscriber, snaps: Iterable[Snapshot]) -> None:
        """Offer snapshots to one subscriber (its first rows, or a resume)."""
        for snap in snaps:
            sub.offer(snap)

    def _connected(self) -> None:
        self.listening.set()
        self._resync_since = self._lost_at - RESYNC_SLACK
        self._wake.set()

    async def _listen(self) -> None:
        """Hold the LISTEN connection; collect the ids of every notification."""
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(self.libpq_url, autocommit=True)
                async with conn:
                    await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    self._connected()
                    async for note in conn.notifies():
                        self._ids |= parse_job_ids(note.payload)
                        if not self._wake.is_set():
                            self._noticed = time.monotonic()
                            self._wake.set()
            except (psycopg.Error, OSError) as exc:
                log.warning("live updates: LISTEN connection lost (%s); reconnecting", exc)
            self.listening.clear()
            self._lost_at = utcnow()
            await asyncio.sleep(RECONNECT_S)

    async def _dispatch(self) -> None:
        """Read the rows of noticed ids (and of gaps) and offer them, one batch at a time."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            noticed = self._noticed
            ids, self._ids = self._ids, set()
            since, self._resync_since = self._resync_since, None
            if not self._subs:
                continue
            try:
                snaps = await self.snapshots(ids)
                if since is not None:
                    snaps += await self.changed_since(since)
            except Exception:
                log.exception("live updates: reading changed jobs failed")
                self._ids |= ids  # try them again with the next notification
                self._resync_since = self._resync_since or since
                continue
            self.publish(snaps)
            if ids:
                metrics.LIVE_PUSH_SECONDS.observe(time.monotonic() - noticed)
