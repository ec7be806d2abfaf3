"""Apply a batch of job events to the jobs table in one transaction (the projector's I/O)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from seojobs.adapters.db import queries as q
from seojobs.domain.events import EventType, JobEvent
from seojobs.domain.jobs import JobStatus
from seojobs.domain.json_text import json_text
from seojobs.domain.projection import RowChange, RowState, apply_event

_TIME_FIELDS = {"started_at", "completed_at", "scheduled_for"}


def _when(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _requested_rows(events: Sequence[JobEvent]) -> dict[str, list[Any]]:
    """The job.requested events as the column arrays of PROJECT_REQUESTED."""
    cols: dict[str, list[Any]] = {
        k: []
        for k in (
            "ids",
            "types",
            "priorities",
            "payloads",
            "max_attempts",
            "scheduled_for",
            "user_ids",
            "site_ids",
            "idempotency_keys",
            "parent_ids",
            "depends_on",
            "created_at",
            "seqs",
            "series",
        )
    }
    for event in events:
        p = event.payload
        depends = p.get("depends_on") or []
        for key, value in (
            ("ids", uuid.UUID(event.job_id)),
            ("types", p.get("type", event.job_type)),
            ("priorities", int(p.get("priority", 0))),
            ("payloads", json_text(p.get("payload") or {})),
            ("max_attempts", int(p.get("max_attempts", 3))),
            ("scheduled_for", _when(p.get("scheduled_for"))),
            ("user_ids", p.get("user_id")),
            ("site_ids", p.get("site_id")),
            ("idempotency_keys", p.get("idempotency_key")),
            ("parent_ids", p.get("parent_id")),
            ("depends_on", "{" + ",".join(str(d) for d in depends) + "}"),
            ("created_at", _when(p.get("created_at"))),
            ("seqs", event.seq),
            ("series", event.series),
        ):
            cols[key].append(value)
    return cols


def _change_arrays(pending: dict[uuid.UUID, tuple[RowState, dict[str, Any]]]) -> dict[str, list[Any]]:
    """The pending row changes as the column arrays of PROJECT_CHANGES (a bit mask says which
    columns each row takes)."""
    arrays: dict[str, list[Any]] = {
        k: [] for k in ("ids", "statuses", "last_seqs", "updated_at", "masks", *q.PROJECTED_COLUMNS)
    }
    for jid, (state, values) in pending.items():
        arrays["ids"].append(jid)
        arrays["statuses"].append(state.status.value)
        arrays["last_seqs"].append(state.last_seq)
        arrays["updated_at"].append(values["updated_at"])
        mask = 0
        for bit, column in enumerate(q.PROJECTED_COLUMNS):
            value = values.get(column)
            if column in values:
                mask |= 1 << bit
            if column == "result" and value is not None:
                value = json_text(value)
            arrays[column].append(value)
        arrays["masks"].append(mask)
    return arrays


async def apply_batch(conn: AsyncConnection, events: Sequence[JobEvent]) -> int:
    """Apply events in order (per job, as they came); how many changed a row.

    Three statements whatever the batch holds: insert the jobs first seen, lock and read the rows,
    write every changed row's net change.
    """
    requested = [e for e in events if e.event_type is EventType.REQUESTED]
    if requested:
        await conn.execute(q.PROJECT_REQUESTED, _requested_rows(requested))
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
    if pending:
        await conn.execute(q.PROJECT_CHANGES, _change_arrays(pending))
    return changed


def _merge(
    pending: dict[uuid.UUID, tuple[RowState, dict[str, Any]]],
    jid: uuid.UUID,
    state: RowState,
    change: RowChange,
) -> RowState:
    """Fold one change into the job's pending update; return the row's new state."""
    _, values = pending.get(jid, (state, {}))
    for key, value in change.fields.items():
        values[key] = _when(value) if key in _TIME_FIELDS else value
    values["updated_at"] = datetime.now().astimezone()
    new_state = RowState(change.status or state.status, change.seq)
    pending[jid] = (new_state, values)
    return new_state
