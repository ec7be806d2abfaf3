"""Each maintenance job type from HTTP request to COMPLETED with its result, through Kafka."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.conftest import Account
from tests.e2e.jobs_http import post_job, wait_terminal
from tests.e2e.test_e2e_faults import events_of
from tests.support.schemas import event_errors
from tests.support.services import ServiceSet

pytestmark = pytest.mark.e2e


async def seed_cleanup_data(engine: AsyncEngine, user_id: uuid.UUID) -> None:
    """Rows the cleanup must remove, and rows it must keep."""
    async with engine.begin() as conn:
        await conn.execute(
            text("""
            INSERT INTO rollbacks (created_at, expires_at) SELECT now() - interval '100 days',
                   now() - interval '1 day' FROM generate_series(1, 7);
            INSERT INTO rollbacks (created_at, expires_at) VALUES
                   (now() - interval '100 days', now() + interval '1 day'),
                   (now() - interval '10 days', now() - interval '1 day');
            INSERT INTO audit_logs (action, created_at) SELECT 'old', now() - interval '400 days'
                   FROM generate_series(1, 4);
            INSERT INTO audit_logs (action, created_at) VALUES ('recent', now() - interval '30 days');
        """)
        )
        await conn.execute(
            text("""
            INSERT INTO notifications (user_id, message, created_at, read_at) VALUES
              (:u, 'old read', now() - interval '120 days', now() - interval '100 days'),
              (:u, 'old read 2', now() - interval '120 days', now() - interval '95 days'),
              (:u, 'old unread', now() - interval '120 days', NULL),
              (:u, 'recent read', now() - interval '10 days', now() - interval '5 days')
        """),
            {"u": user_id},
        )
        await conn.execute(
            text("""
            INSERT INTO jobs (type, status, completed_at, created_at) VALUES
              ('SYNC_METRICS', 'COMPLETED', now() - interval '40 days', now() - interval '40 days'),
              ('SYNC_METRICS', 'COMPLETED', now() - interval '35 days', now() - interval '35 days'),
              ('SYNC_METRICS', 'COMPLETED', now() - interval '5 days', now() - interval '5 days')
        """)
        )


async def test_each_maintenance_job_runs_to_completed_with_its_result(
    services: ServiceSet, engine: AsyncEngine, admin: Account, http: httpx.AsyncClient
) -> None:
    for name in ("api", "relay", "projector", "maintenance"):
        services.start(name)
    await services.wait_api()
    await seed_cleanup_data(engine, admin.user_id)

    cleanup = await post_job(http, services, "/api/jobs/cleanup", {"daysOld": 90}, admin.headers)
    job = await wait_terminal(http, services, cleanup, admin.headers)
    assert job["status"] == "COMPLETED", job
    assert job["progress"] == 100 and job["attempts"] == 1 and job["startedAt"] and job["completedAt"]
    assert job["result"] == {
        "success": True,
        "rollbacksCleaned": 7,
        "jobsCleaned": 2,
        "auditLogsCleaned": 4,
        "notificationsCleaned": 2,
    }

    month = datetime.now(UTC).strftime("%Y-%m")
    reset = await post_job(http, services, "/api/jobs/usage-reset", {"month": month}, admin.headers)
    job = await wait_terminal(http, services, reset, admin.headers)
    assert job["status"] == "COMPLETED" and job["result"] == {"success": True, "usersReset": 1}
    again = await post_job(http, services, "/api/jobs/usage-reset", {"month": month}, admin.headers)
    job = await wait_terminal(http, services, again, admin.headers)
    assert job["result"] == {"success": True, "usersReset": 0}, "a second reset of a month changes nothing"

    sync = await post_job(http, services, "/api/jobs/sync-metrics", {}, admin.headers)
    job = await wait_terminal(http, services, sync, admin.headers)
    assert job["status"] == "COMPLETED" and job["result"]["success"] is True
    assert job["result"]["sitesSynced"] == 0

    stats = (await http.get(f"{services.api_url}/api/jobs/stats", headers=admin.headers)).json()
    assert stats["completed"] >= 4 and stats["pending"] == 0 and stats["processing"] == 0

    events = await events_of(services.settings, {cleanup, reset, again, sync})
    assert {e["event_type"] for e in events} >= {
        "job.requested",
        "job.started",
        "job.progress",
        "job.completed",
    }
    assert [event_errors(e) for e in events if event_errors(e)] == [], "every emitted event fits schemas/"


async def test_bad_month_is_refused_and_writes_nothing(
    services: ServiceSet, engine: AsyncEngine, admin: Account, http: httpx.AsyncClient
) -> None:
    services.start("api")
    await services.wait_api()
    resp = await http.post(
        f"{services.api_url}/api/jobs/usage-reset", json={"month": "2024-13"}, headers=admin.headers
    )
    assert resp.status_code == 422
    assert "YYYY-MM" in resp.text
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM jobs"))).scalar() == 0
        assert (await conn.execute(text("SELECT count(*) FROM outbox"))).scalar() == 0
