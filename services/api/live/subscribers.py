"""Job snapshots and the subscribers that receive them (coalescing, so a slow client never piles up)."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from seojobs.adapters.db.job_reads import LeaseInfo
from seojobs.adapters.db.job_store import job_to_api
from seojobs.adapters.db.models import Job

#: Job versions a subscriber remembers; past this the oldest half is forgotten (resent at worst).
MAX_SEEN = 10_000


def cursor_of(when: datetime) -> int:
    """A row's change cursor: its updated_at in microseconds since the epoch."""
    return int(when.timestamp() * 1_000_000)


@dataclass(frozen=True, eq=False)
class Snapshot:
    """A job's row as the API shows it, with its version (last_seq) and change cursor."""

    job_id: uuid.UUID
    user_id: uuid.UUID | None
    seq: int
    cursor: int
    job: dict[str, Any]

    @classmethod
    def of(cls, row: Job, lease: LeaseInfo | None = None) -> Snapshot:
        """The snapshot of one jobs row (and its lease: who runs it)."""
        return cls(
            row.id, row.user_id, int(row.last_seq or 0), cursor_of(row.updated_at), job_to_api(row, lease)
        )

    @property
    def event_id(self) -> str:
        """The id a client quotes to resume: the job's last_seq."""
        return str(self.seq)

    def message(self) -> dict[str, Any]:
        """The WebSocket message that carries this snapshot."""
        return {
            "type": "job",
            "id": f"{self.job_id}:{self.seq}",
            "seq": self.seq,
            "cursor": self.cursor,
            "job": self.job,
        }

    @cached_property
    def message_text(self) -> str:
        """The WebSocket message as JSON, encoded once however many subscribers get it."""
        return json.dumps(self.message(), separators=(",", ":"))

    @cached_property
    def job_text(self) -> str:
        """The job as JSON (the SSE data), encoded once."""
        return json.dumps(self.job, separators=(",", ":"))


class Subscriber:
    """One client's view: its owner scope (None: every job), an optional job filter, its queue."""

    def __init__(self, user_id: uuid.UUID | None, job_ids: frozenset[uuid.UUID] | None = None) -> None:
        self.user_id = user_id
        self.job_ids = job_ids
        self._pending: dict[uuid.UUID, Snapshot] = {}
        self._seen: dict[uuid.UUID, int] = {}
        self._ready = asyncio.Event()

    def wants(self, snap: Snapshot) -> bool:
        """True when the snapshot is of a job this subscriber may see and asked for."""
        if self.job_ids is not None and snap.job_id not in self.job_ids:
            return False
        return self.user_id is None or snap.user_id == self.user_id

    def mark_seen(self, job_id: uuid.UUID, seq: int) -> None:
        """Treat versions up to ``seq`` of the job as delivered (a resuming client has them)."""
        self._seen[job_id] = max(seq, self._seen.get(job_id, -1))

    def offer(self, snap: Snapshot) -> bool:
        """Queue the snapshot if wanted and newer than what was delivered; True when queued."""
        if not self.wants(snap) or snap.seq <= self._seen.get(snap.job_id, -1):
            return False
        self._seen.pop(snap.job_id, None)
        self._seen[snap.job_id] = snap.seq
        if len(self._seen) > MAX_SEEN:
            for old in list(self._seen)[: MAX_SEEN // 2]:
                del self._seen[old]
        self._pending[snap.job_id] = snap  # a newer version replaces one not yet sent
        self._ready.set()
        return True

    async def next(self) -> list[Snapshot]:
        """Wait for snapshots, then take every one queued (oldest change first)."""
        await self._ready.wait()
        batch = sorted(self._pending.values(), key=lambda s: s.cursor)
        self._pending.clear()
        self._ready.clear()
        return batch
