"""Tell listeners which jobs changed: NOTIFY payloads carrying job ids, chunked under the limit.

The projector calls ``notify_jobs`` inside its batch transaction, so PostgreSQL delivers the
notifications exactly when the batch commits; live-update listeners parse them back.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable

from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from seojobs.domain.contracts.notify import MAX_IDS_PER_NOTIFY, JobsChanged

#: The channel the projector NOTIFYs after each batch (live updates listen on it).
JOBS_CHANNEL = "seojobs_jobs"
#: Job ids per NOTIFY (the contract's most, ``schemas/notify/jobs_changed.v1.json``).
NOTIFY_CHUNK = MAX_IDS_PER_NOTIFY

NOTIFY = text("SELECT pg_notify(:channel, :payload)")


def chunk_payloads(job_ids: Iterable[str], chunk: int = NOTIFY_CHUNK) -> list[str]:
    """The NOTIFY payloads (JSON lists of ids) that announce these jobs, duplicates dropped."""
    ids = sorted(set(job_ids))
    return [json.dumps(ids[i : i + chunk], separators=(",", ":")) for i in range(0, len(ids), chunk)]


async def notify_jobs(conn: AsyncConnection, job_ids: Iterable[str], channel: str = JOBS_CHANNEL) -> None:
    """NOTIFY the ids inside the caller's transaction (delivered when it commits)."""
    for payload in chunk_payloads(job_ids):
        await conn.execute(NOTIFY, {"channel": channel, "payload": payload})


def parse_job_ids(payload: str) -> set[uuid.UUID]:
    """The job ids of one NOTIFY payload; anything that is not a JSON list of UUIDs gives none."""
    try:
        return set(JobsChanged.model_validate_json(payload).root)
    except ValidationError:
        pass  # not the contract's shape: keep whatever ids it holds (an older or foreign notifier)
    try:
        items = json.loads(payload) if payload else []
    except ValueError:
        return set()
    if not isinstance(items, list):
        return set()
    ids: set[uuid.UUID] = set()
    for item in items:
        try:
            ids.add(uuid.UUID(str(item)))
        except ValueError:
            continue
    return ids
