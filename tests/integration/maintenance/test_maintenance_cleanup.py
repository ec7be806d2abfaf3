"""CLEANUP_ROLLBACKS against the real PostgreSQL: what goes, what stays, in bounded batches."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.domain.errors import JobCancelled, ValidationFailed
from seojobs.domain.jobs import JobType
from seojobs.maintenance import MaintenanceHandlers
from tests.integration.maintenance.maintenance_support import (
    RecordingContext,
    add_user,
    execute,
    rows,
    scalar,
)

pytestmark = pytest.mark.integration

RETENTION_DAYS = 30


async def seed_rollbacks(engine: AsyncEngine, n_old_expired: int) -> None:
    """``n_old_expired`` rollbacks to delete (tagged 'go') and four to keep (tagged 'keep-*')."""
    await execute(
        engine,
        """
        INSERT INTO rollbacks (data, created_at, expires_at)
        SELECT jsonb_build_object('tag', 'go'), now() - interval '100 days', now() - interval '1 day'
        FROM generate_series(1, :n)""",
        {"n": n_old_expired},
    )
    await execute(
        engine,
        """
        INSERT INTO rollbacks (data, created_at, expires_at) VALUES
          ('{"tag": "keep-young"}', now() - interval '10 days', now() - interval '1 day'),
          ('{"tag": "keep-young"}', now() - interval '89 days', now() - interval '1 hour'),
          ('{"tag": "keep-unexpired"}', now() - interval '200 days', now() + interval '1 day'),
          ('{"tag": "keep-unexpired"}', now() - interval '100 days', now() + interval '1 hour')""",
    )


async def seed_everything(engine: AsyncEngine, self_id: uuid.UUID) -> None:
    """Rows of every kind the cleanup looks at, half of them too young or in the wrong state."""
    await seed_rollbacks(engine, 10)
    await execute(
        engine,
        """
        INSERT INTO jobs (type, status, completed_at, error)
        SELECT 'CRAWL_SITE', 'COMPLETED', now() - interval '40 days', 'go'
        FROM generate_series(1, 7)""",
    )
    await execute(
        engine,
        """
        INSERT INTO jobs (id, type, status, completed_at, error) VALUES
          (:self_id, 'CLEANUP_ROLLBACKS', 'COMPLETED', now() - interval '40 days', 'keep-self'),
          (gen_random_uuid(), 'SYNC_METRICS', 'COMPLETED', now() - interval '29 days', 'keep-young'),
          (gen_random_uuid(), 'CRAWL_SITE', 'FAILED', now() - interval '40 days', 'keep-failed'),
          (gen_random_uuid(), 'CRAWL_SITE', 'CANCELLED', now() - interval '40 days', 'keep-cancel'),
          (gen_random_uuid(), 'RESET_USAGE', 'PENDING', NULL, 'keep-pending')""",
        {"self_id": self_id},
    )
    await execute(
        engine,
        """
        INSERT INTO audit_logs (action, created_at)
        SELECT 'go', now() - interval '400 days' FROM generate_series(1, 4)
        UNION ALL SELECT 'keep', now() - interval '300 days' FROM generate_series(1, 2)""",
    )
    user_id = await add_user(engine, "reader@example.com")
    await execute(
        engine,
        """
        INSERT INTO notifications (user_id, message, created_at, read_at)
        SELECT :u, 'go', now() - interval '100 days', now() - interval '95 days'
        FROM generate_series(1, 5)
        UNION ALL SELECT :u, 'keep-unread', now() - interval '100 days', NULL
        UNION ALL SELECT :u, 'keep-young', now() - interval '30 days', now() - interval '29 days'
        """,
        {"u": user_id},
    )


async def survivors(engine: AsyncEngine) -> dict[str, list[str]]:
    """The tags of the rows still there, per table, sorted."""
    return {
        "rollbacks": [r[0] for r in await rows(engine, "SELECT data->>'tag' FROM rollbacks ORDER BY 1")],
        "jobs": [r[0] for r in await rows(engine, "SELECT error FROM jobs ORDER BY 1")],
        "audit_logs": [r[0] for r in await rows(engine, "SELECT action FROM audit_logs ORDER BY 1")],
        "notifications": [r[0] for r in await rows(engine, "SELECT message FROM notifications ORDER BY 1")],
    }


EXPECTED_SURVIVORS = {
    "rollbacks": ["keep-unexpired", "keep-unexpired", "keep-young", "keep-young"],
    "jobs": ["keep-cancel", "keep-failed", "keep-pending", "keep-self", "keep-young"],
    "audit_logs": ["keep", "keep"],
    "notifications": ["keep-unread", "keep-young"],
}


async def test_cleanup_deletes_exactly_the_old_rows_in_batches(engine: AsyncEngine) -> None:
    ctx = RecordingContext(JobType.CLEANUP_ROLLBACKS, {"daysOld": 90})
    await seed_everything(engine, ctx.job_id)
    handler = MaintenanceHandlers(engine, RETENTION_DAYS, batch_size=3).handlers()[JobType.CLEANUP_ROLLBACKS]

    result = await handler(ctx)

    assert result == {
        "success": True,
        "rollbacksCleaned": 10,
        "jobsCleaned": 7,
        "auditLogsCleaned": 4,
        "notificationsCleaned": 5,
    }
    assert await survivors(engine) == EXPECTED_SURVIVORS
    # 10 rollbacks in batches of 3: three full batches report progress, the short fourth ends.
    assert [m for m in ctx.messages if m and m.startswith("rollbacksCleaned")] == [
        "rollbacksCleaned: starting",
        "rollbacksCleaned: 3",
        "rollbacksCleaned: 6",
        "rollbacksCleaned: 9",
    ]
    assert ctx.percents == sorted(ctx.percents)
    assert ctx.percents[-1] == 100


async def test_cleanup_runs_twice_without_further_effect(engine: AsyncEngine) -> None:
    ctx = RecordingContext(JobType.CLEANUP_ROLLBACKS, {"daysOld": 90})
    await seed_everything(engine, ctx.job_id)
    handlers = MaintenanceHandlers(engine, RETENTION_DAYS, batch_size=4)

    await handlers.cleanup(ctx)
    again = await handlers.cleanup(ctx)  # a redelivery of the same job

    assert again == {
        "success": True,
        "rollbacksCleaned": 0,
        "jobsCleaned": 0,
        "auditLogsCleaned": 0,
        "notificationsCleaned": 0,
    }
    assert await survivors(engine) == EXPECTED_SURVIVORS


@pytest.mark.parametrize(
    ("n_rows", "batch_size", "progress_after_batches"),
    [
        (9, 3, 3),  # an exact multiple: the fourth, empty batch ends the phase
        (3, 3, 1),
        (2, 3, 0),
        (0, 3, 0),
        (10, 1, 10),
    ],
)
async def test_batch_boundaries(
    engine: AsyncEngine, n_rows: int, batch_size: int, progress_after_batches: int
) -> None:
    await seed_rollbacks(engine, n_rows)
    ctx = RecordingContext(JobType.CLEANUP_ROLLBACKS, {})

    result = await MaintenanceHandlers(engine, RETENTION_DAYS, batch_size).cleanup(ctx)

    assert result["rollbacksCleaned"] == n_rows
    assert await scalar(engine, "SELECT count(*) FROM rollbacks") == 4
    batch_messages = [m for m in ctx.messages if m and m.startswith("rollbacksCleaned: ") and m[-1].isdigit()]
    assert len(batch_messages) == progress_after_batches


async def test_days_old_payload_moves_the_rollback_cutoff(engine: AsyncEngine) -> None:
    await seed_rollbacks(engine, 2)
    ctx = RecordingContext(JobType.CLEANUP_ROLLBACKS, {"daysOld": 5})

    result = await MaintenanceHandlers(engine, RETENTION_DAYS).cleanup(ctx)

    # Every expired rollback older than 5 days goes now, the 10- and 89-day-old ones too.
    assert result["rollbacksCleaned"] == 4
    assert [r[0] for r in await rows(engine, "SELECT data->>'tag' FROM rollbacks ORDER BY 1")] == [
        "keep-unexpired",
        "keep-unexpired",
    ]


async def test_cancelled_cleanup_keeps_committed_batches_and_resumes(engine: AsyncEngine) -> None:
    await seed_rollbacks(engine, 10)
    handlers = MaintenanceHandlers(engine, RETENTION_DAYS, batch_size=3)
    # Call 1 is the phase start, call 2 follows the first batch of three.
    cancelled = RecordingContext(JobType.CLEANUP_ROLLBACKS, {}, cancel_at_call=2)

    with pytest.raises(JobCancelled):
        await handlers.cleanup(cancelled)
    assert await scalar(engine, "SELECT count(*) FROM rollbacks") == 14 - 3

    resumed = await handlers.cleanup(RecordingContext(JobType.CLEANUP_ROLLBACKS, {}))
    assert resumed["rollbacksCleaned"] == 7
    assert await scalar(engine, "SELECT count(*) FROM rollbacks") == 4


async def test_concurrent_cleanups_split_the_work(engine: AsyncEngine) -> None:
    await seed_rollbacks(engine, 50)
    handlers = MaintenanceHandlers(engine, RETENTION_DAYS, batch_size=2)

    results = await asyncio.gather(
        *(handlers.cleanup(RecordingContext(JobType.CLEANUP_ROLLBACKS, {})) for _ in range(3))
    )

    # SKIP LOCKED: no batch waits on another, and no row is counted twice.
    assert sum(r["rollbacksCleaned"] for r in results) == 50
    assert await scalar(engine, "SELECT count(*) FROM rollbacks") == 4


async def test_invalid_payload_is_rejected_before_any_delete(engine: AsyncEngine) -> None:
    await seed_rollbacks(engine, 2)
    ctx = RecordingContext(JobType.CLEANUP_ROLLBACKS, {"daysOld": 0})

    with pytest.raises(ValidationFailed):
        await MaintenanceHandlers(engine, RETENTION_DAYS).cleanup(ctx)
    assert await scalar(engine, "SELECT count(*) FROM rollbacks") == 6
    assert ctx.progress_calls == []


def test_settings_out_of_range_are_refused() -> None:
    with pytest.raises(ValidationFailed):
        MaintenanceHandlers(None, 0)  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed):
        MaintenanceHandlers(None, 30, batch_size=0)  # type: ignore[arg-type]
