"""RESET_USAGE against the real PostgreSQL: create missing rows, reset each month once."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.domain.errors import ValidationFailed
from seojobs.domain.jobs import JobType
from seojobs.maintenance import MaintenanceHandlers
from seojobs.maintenance.rules import parse_month
from tests.integration.maintenance.maintenance_support import (
    RecordingContext,
    add_user,
    execute,
    rows,
    scalar,
)

pytestmark = pytest.mark.integration

MONTH = "2024-03"


async def add_usage(engine: AsyncEngine, user_id: uuid.UUID, month: str, count: int, *, reset: bool) -> None:
    """A usage row with every counter at ``count``, reset (at the month's start) or never."""
    await execute(
        engine,
        """
        INSERT INTO usage_records (user_id, month, crawls, analyses, pages_crawled, ai_tokens,
                                   reset_at)
        VALUES (:u, :m, :c, :c, :c, :c, :reset_at)""",
        {"u": user_id, "m": month, "c": count, "reset_at": parse_month(month).start() if reset else None},
    )


async def snapshot(engine: AsyncEngine) -> Sequence[tuple[Any, ...]]:
    """Every usage row, every column that matters, in a stable order."""
    return await rows(
        engine,
        """
        SELECT u.email, r.month, r.crawls, r.analyses, r.pages_crawled, r.ai_tokens, r.reset_at
        FROM usage_records r JOIN users u ON u.id = r.user_id ORDER BY u.email, r.month""",
    )


async def test_reset_creates_resets_and_keeps_exactly_what_it_should(engine: AsyncEngine) -> None:
    never_reset = await add_user(engine, "a-never-reset@example.com")
    await add_usage(engine, never_reset, MONTH, 7, reset=False)
    await add_user(engine, "b-no-row@example.com")
    await add_user(engine, "c-inactive@example.com", active=False)
    already = await add_user(engine, "d-already-reset@example.com")
    await add_usage(engine, already, MONTH, 5, reset=True)  # usage counted since this month's reset
    last_month = await add_user(engine, "e-last-month@example.com")
    await add_usage(engine, last_month, "2024-02", 9, reset=True)
    ctx = RecordingContext(JobType.RESET_USAGE, {"month": MONTH})

    result = await MaintenanceHandlers(engine, 30).handlers()[JobType.RESET_USAGE](ctx)

    assert result == {"success": True, "usersReset": 3}
    table = {
        (email, month): (crawls, analyses, pages, tokens, reset_at is not None)
        for email, month, crawls, analyses, pages, tokens, reset_at in await snapshot(engine)
    }
    assert table == {
        ("a-never-reset@example.com", MONTH): (0, 0, 0, 0, True),
        ("b-no-row@example.com", MONTH): (0, 0, 0, 0, True),
        ("d-already-reset@example.com", MONTH): (5, 5, 5, 5, True),
        ("e-last-month@example.com", "2024-02"): (9, 9, 9, 9, True),
        ("e-last-month@example.com", MONTH): (0, 0, 0, 0, True),
    }
    assert ctx.percents[-1] == 100


async def test_second_run_for_the_same_month_changes_nothing(engine: AsyncEngine) -> None:
    user = await add_user(engine, "a@example.com")
    await add_usage(engine, user, MONTH, 4, reset=False)
    await add_user(engine, "b@example.com")
    handlers = MaintenanceHandlers(engine, 30)

    first = await handlers.reset_usage(RecordingContext(JobType.RESET_USAGE, {"month": MONTH}))
    after_first = await snapshot(engine)
    # Usage counted after the reset must survive a redelivered (or second scheduled) reset.
    await execute(engine, "UPDATE usage_records SET crawls = 2 WHERE user_id = :u", {"u": user})
    before_second = await snapshot(engine)
    second = await handlers.reset_usage(RecordingContext(JobType.RESET_USAGE, {"month": MONTH}))

    assert first == {"success": True, "usersReset": 2}
    assert second == {"success": True, "usersReset": 0}
    assert len(after_first) == 2
    assert await snapshot(engine) == before_second


async def test_next_month_is_a_new_reset(engine: AsyncEngine) -> None:
    await add_user(engine, "a@example.com")
    handlers = MaintenanceHandlers(engine, 30)

    march = await handlers.reset_usage(RecordingContext(JobType.RESET_USAGE, {"month": MONTH}))
    april = await handlers.reset_usage(RecordingContext(JobType.RESET_USAGE, {"month": "2024-04"}))

    assert (march["usersReset"], april["usersReset"]) == (1, 1)
    assert [r[1] for r in await snapshot(engine)] == ["2024-03", "2024-04"]


@pytest.mark.parametrize(
    ("n_never_reset", "n_missing", "batch_size"), [(10, 10, 3), (9, 0, 3), (0, 9, 3), (0, 0, 3), (4, 5, 1)]
)
async def test_reset_in_batches(
    engine: AsyncEngine, n_never_reset: int, n_missing: int, batch_size: int
) -> None:
    for i in range(n_never_reset):
        await add_usage(engine, await add_user(engine, f"r{i}@example.com"), MONTH, 3, reset=False)
    for i in range(n_missing):
        await add_user(engine, f"m{i}@example.com")

    result = await MaintenanceHandlers(engine, 30, batch_size).reset_usage(
        RecordingContext(JobType.RESET_USAGE, {"month": MONTH})
    )

    assert result["usersReset"] == n_never_reset + n_missing
    assert (
        await scalar(
            engine,
            """
        SELECT count(*) FROM usage_records
        WHERE month = :m AND reset_at IS NOT NULL AND crawls + analyses + pages_crawled = 0
        """,
            m=MONTH,
        )
        == n_never_reset + n_missing
    )


@pytest.mark.parametrize("month", ["2024-13", "2024-1", "March"])
async def test_bad_month_is_refused(engine: AsyncEngine, month: str) -> None:
    await add_user(engine, "a@example.com")
    with pytest.raises(ValidationFailed):
        await MaintenanceHandlers(engine, 30).reset_usage(
            RecordingContext(JobType.RESET_USAGE, {"month": month})
        )
    assert await scalar(engine, "SELECT count(*) FROM usage_records") == 0
