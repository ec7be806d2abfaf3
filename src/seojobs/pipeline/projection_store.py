"""Apply a batch of job events to the jobs table in one transaction (the projector's I/O)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.ext.asyncio import AsyncConnection

from seojobs.adapters.db import queries as q
from seojobs.adapters.db.models import Job
from seojobs.domain.events import EventType, JobEvent
from seojobs.domain.jobs import JobStatus
from seojobs.domain.projection import RowChange, RowState, apply_event

_TIME_FIELDS = {"started_at", "completed_at", "scheduled_for"}


def _when(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _requested_row(event: JobEvent) -> dict[str, Any]:
    p = event.payload
    return {
        "id": uuid.UUID(event.job_id), "type": p.get("type", event.job_type),
        "priority": int(p.get("priority", 0)), "payload": json.dumps(p.get("payload") or {}),
        "max_attempts": int(p.get("max_attempts", 3)), "scheduled_for": _when(p.get("scheduled_for")),
        "user_id": p.get("user_id"), "site_id": p.get("site_id"),
        "idempotency_key": p.get("idempotency_key"), "parent_id": p.get("parent_id"),
        "depends_on": p.get("depends_on") or [], "created_at": _when(p.get("created_at")),
        "seq": event.seq, "series": int(p.get("series", 0)),
    }


async def apply_batch(conn: AsyncConnection, events: Sequence[JobEvent]) -> int:
    """Apply events in order (per job, as they came); how many changed a row."""
    requested = [e for e in events if e.event_type is EventType.REQUESTED]
    if requested:
        await conn.execute(q.PROJECT_REQUESTED, [_requested_row(e) for e in requested])
    ids = list({uuid.UUID(e.job_id) for e in events})
    rows = (await conn.execute(q.JOB_STATES, {"ids": ids})).all()
    states = {r[0]: RowState(JobStatus(r[1]), r[2]) for r in rows}
    pending: dict[uuid.UUID, tuple[RowState, dict[str, Any]]] = {}
    changed = 0
    for event in events:
        jid = uuid.UUID(event.job_id)
        state = states.get(jid)
        if state is None:
            continue  # the job's row is gone (cleaned up) or its request was never seen
        change = apply_event(state, event)
        if change is None:
            continue
        changed += 1
        states[jid] = _merge(pending, jid, state, change)
    # One executemany per set of changed columns: psycopg pipelines the rows into one round trip.
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for jid, (state, values) in pending.items():
        values["status"] = state.status.value
        values["last_seq"] = state.last_seq
        by_columns.setdefault(tuple(sorted(values)), []).append({**values, "_job_id": jid})
    for columns, params in by_columns.items():
        statement = update(Job).where(Job.id == bindparam("_job_id")).values(
            {c: bindparam(c) for c in columns})
        await conn.execute(statement, params)
    return changed


def _merge(pending: dict[uuid.UUID, tuple[RowState, dict[str, Any]]], jid: uuid.UUID,
           state: RowState, change: RowChange) -> RowState:
    """Fold one change into the job's pending update; return the row's new state."""
    _, values = pending.get(jid, (state, {}))
    for key, value in change.fields.items():
        values[key] = _when(value) if key in _TIME_FIELDS else value
    values["updated_at"] = datetime.now().astimezone()
    new_state = RowState(change.status or state.status, change.seq)
    pending[jid] = (new_state, values)
    return new_state
