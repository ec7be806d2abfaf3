"""The admin dead-letter API against the real database: list, read, redrive, delete, purge, who may."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db import operator_queries as oq
from seojobs.adapters.db.job_store import JobStore
from seojobs.domain.errors import PermanentError
from seojobs.domain.events import utcnow
from seojobs.domain.jobs import JobType
from seojobs.domain.requests import NewJob, requested_event
from seojobs.domain.topics import Topics
from seojobs.pipeline.dead_letter_store import dead_letter_row
from seojobs.pipeline.dead_letters import dead_letter_record
from seojobs.settings import Settings
from tests.integration.deadletters.conftest import People

pytestmark = pytest.mark.integration

BASE = "/api/admin/dead-letters"
#: Where the stored records claim to have been on the dead-letter topic.
_positions = iter(range(10_000))


async def failed_job(engine: AsyncEngine, settings: Settings, job_type: JobType) -> NewJob:
    """A job that ran and failed for good (the row as the projector leaves it)."""
    payload: dict[str, Any] = (
        {"siteId": str(uuid.uuid4())} if job_type is JobType.SYNC_METRICS else {"daysOld": 90}
    )
    job = NewJob(job_type, payload, priority=4, max_attempts=1)
    await JobStore(engine, Topics(settings.topic_prefix)).enqueue(job)
    async with engine.begin() as conn:
        await conn.execute(
            text("""UPDATE jobs SET status = 'FAILED', attempts = 1, error = 'boom',
                                   completed_at = now(), dead_lettered = true WHERE id = :id"""),
            {"id": job.job_id},
        )
        await conn.execute(text("DELETE FROM outbox"))
    return job


async def store_letter(engine: AsyncEngine, value: bytes) -> None:
    """Store a dead-letter record as the ingester would."""
    async with engine.begin() as conn:
        await conn.execute(oq.INSERT_DEAD_LETTER, dead_letter_row(value, "dlq", 0, next(_positions)))


def worker_letter(job: NewJob, reason: str) -> bytes:
    """A worker's dead-letter record of a job."""
    try:
        raise PermanentError(reason)
    except PermanentError as exc:
        return dead_letter_record(
            requested_event(job, utcnow()).encode(),
            reason,
            "maintenance.requested.medium",
            1,
            7,
            "worker",
            exc=exc,
            history=[{"attempt": 1, "error": reason}],
        )


async def letters(api: httpx.AsyncClient, people: People, **params: Any) -> list[dict[str, Any]]:
    """GET the list, expect 200."""
    resp = await api.get(BASE, params=params, headers=people.admin)
    assert resp.status_code == 200, resp.text
    found: list[dict[str, Any]] = resp.json()["deadLetters"]
    return found


async def test_list_get_and_redrive_one(
    api: httpx.AsyncClient, people: People, engine: AsyncEngine, settings: Settings
) -> None:
    job = await failed_job(engine, settings, JobType.SYNC_METRICS)
    await store_letter(engine, worker_letter(job, "site does not exist"))
    await store_letter(engine, b"\xffgarbage")

    listed = await letters(api, people)
    assert len(listed) == 2
    by_job = next(d for d in listed if d["jobId"] == str(job.job_id))
    assert set(by_job) == {
        "id",
        "jobId",
        "jobType",
        "reason",
        "errorType",
        "component",
        "sourceTopic",
        "sourcePartition",
        "sourceOffset",
        "attempts",
        "createdAt",
        "redrivenAt",
    }
    assert (by_job["jobType"], by_job["reason"], by_job["errorType"], by_job["attempts"]) == (
        "SYNC_METRICS",
        "site does not exist",
        "PermanentError",
        1,
    )
    assert (by_job["sourceTopic"], by_job["sourcePartition"], by_job["sourceOffset"]) == (
        "maintenance.requested.medium",
        1,
        7,
    )
    assert by_job["redrivenAt"] is None
    assert [d["reason"] for d in await letters(api, people, reason="GARBAGE")] == []
    unreadable = await letters(api, people, reason="unreadable")
    assert [d["reason"] for d in unreadable] == ["unreadable dead letter"]
    assert [d["jobId"] for d in await letters(api, people, jobType="SYNC_METRICS")] == [str(job.job_id)]

    full = (await api.get(f"{BASE}/{by_job['id']}", headers=people.admin)).json()["deadLetter"]
    assert "PermanentError: site does not exist" in full["stack"]
    assert full["original"]["job_id"] == str(job.job_id) and full["history"][0]["attempt"] == 1

    resp = await api.post(f"{BASE}/{by_job['id']}/redrive", headers=people.admin)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"success": True, "jobId": str(job.job_id)}
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT status, series, attempts FROM jobs WHERE id = :id"), {"id": job.job_id}
            )
        ).one()
        outbox = [json.loads(v) for (v,) in (await conn.execute(text("SELECT value FROM outbox"))).all()]
    assert (row.status, row.series, row.attempts) == ("PENDING", 1, 0)
    assert [(e["event_type"], e["payload"]["series"]) for e in outbox] == [("job.requested", 1)]
    assert (await letters(api, people, redriven="true"))[0]["redrivenAt"] is not None
    assert [d["jobId"] for d in await letters(api, people, redriven="false")] == [None]

    again = await api.post(f"{BASE}/{by_job['id']}/redrive", headers=people.admin)
    assert again.status_code == 409 and "already redriven" in again.json()["error"]
    garbage = next(d for d in listed if d["jobId"] is None)
    refused = await api.post(f"{BASE}/{garbage['id']}/redrive", headers=people.admin)
    assert refused.status_code == 409
    assert "no job" in refused.json()["error"] and "unreadable dead letter" in refused.json()["error"]
    missing = await api.post(f"{BASE}/999999/redrive", headers=people.admin)
    assert missing.status_code == 404


async def test_redrive_of_a_job_still_running_is_refused(
    api: httpx.AsyncClient, people: People, engine: AsyncEngine, settings: Settings
) -> None:
    job = await failed_job(engine, settings, JobType.SYNC_METRICS)
    await store_letter(engine, worker_letter(job, "first"))
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE jobs SET status = 'PROCESSING' WHERE id = :id"), {"id": job.job_id})
    (letter,) = await letters(api, people)
    resp = await api.post(f"{BASE}/{letter['id']}/redrive", headers=people.admin)
    assert resp.status_code == 409 and "not finished" in resp.json()["error"]
    assert (await letters(api, people))[0]["redrivenAt"] is None


async def test_redrive_by_filter_and_all(
    api: httpx.AsyncClient, people: People, engine: AsyncEngine, settings: Settings
) -> None:
    sync = await failed_job(engine, settings, JobType.SYNC_METRICS)
    cleanup = await failed_job(engine, settings, JobType.CLEANUP_ROLLBACKS)
    await store_letter(engine, worker_letter(sync, "site does not exist"))
    await store_letter(engine, worker_letter(cleanup, "database went away"))
    await store_letter(engine, b"junk")

    empty = await api.post(f"{BASE}/redrive", json={}, headers=people.admin)
    assert empty.status_code == 422 and "all=true" in empty.json()["error"]
    by_reason = await api.post(f"{BASE}/redrive", json={"reason": "WENT AWAY"}, headers=people.admin)
    assert by_reason.json() == {"success": True, "redriven": [str(cleanup.job_id)], "count": 1}
    everything = await api.post(f"{BASE}/redrive", json={"all": True}, headers=people.admin)
    assert everything.json() == {"success": True, "redriven": [str(sync.job_id)], "count": 1}
    none_left = await api.post(f"{BASE}/redrive", json={"jobType": "SYNC_METRICS"}, headers=people.admin)
    assert none_left.json()["count"] == 0


async def test_delete_and_purge(
    api: httpx.AsyncClient, people: People, engine: AsyncEngine, settings: Settings
) -> None:
    job = await failed_job(engine, settings, JobType.SYNC_METRICS)
    await store_letter(engine, worker_letter(job, "one"))
    for _ in range(3):
        await store_letter(engine, b"junk")
    ids = sorted(d["id"] for d in await letters(api, people))
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE dead_letters SET created_at = now() - interval '40 days' WHERE id = :i"),
            {"i": ids[1]},
        )

    assert (await api.delete(f"{BASE}/{ids[3]}", headers=people.admin)).json() == {
        "success": True,
        "id": ids[3],
    }
    assert (await api.get(f"{BASE}/{ids[3]}", headers=people.admin)).status_code == 404
    assert (await api.delete(f"{BASE}/{ids[3]}", headers=people.admin)).status_code == 404

    assert (await api.post(f"{BASE}/purge", json={}, headers=people.admin)).status_code == 422
    assert (await api.post(f"{BASE}/{ids[0]}/redrive", headers=people.admin)).status_code == 200
    redriven = await api.post(f"{BASE}/purge", json={"redrivenOnly": True}, headers=people.admin)
    assert redriven.json() == {"success": True, "purged": 1}
    old = await api.post(f"{BASE}/purge", json={"olderThanDays": 30}, headers=people.admin)
    assert old.json() == {"success": True, "purged": 1}
    assert [d["id"] for d in await letters(api, people)] == [ids[2]]
    assert (await api.post(f"{BASE}/purge", json={"all": True}, headers=people.admin)).json()["purged"] == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", BASE),
        ("GET", f"{BASE}/1"),
        ("POST", f"{BASE}/1/redrive"),
        ("POST", f"{BASE}/redrive"),
        ("DELETE", f"{BASE}/1"),
        ("POST", f"{BASE}/purge"),
    ],
)
async def test_only_admins_may(api: httpx.AsyncClient, people: People, method: str, path: str) -> None:
    body = {"all": True} if method == "POST" and not path.endswith("/1/redrive") else None
    anonymous = await api.request(method, path, json=body)
    assert anonymous.status_code == 401, anonymous.text
    user = await api.request(method, path, json=body, headers=people.user)
    assert user.status_code == 403, user.text
    assert user.json()["success"] is False
