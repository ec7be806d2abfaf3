"""Monthly usage counters: counted in the enqueue's transaction, refused past the plan's quota."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from seojobs.domain.errors import QuotaExceeded
from seojobs.domain.plans import month_of, next_reset

OPEN_MONTH = text("""
    INSERT INTO usage_records (user_id, month, reset_at) VALUES (:user, :month, now())
    ON CONFLICT (user_id, month) DO NOTHING
""")
USER_PLAN = text("SELECT plan FROM users WHERE id = :id")
SITE_CRAWL_IN_FLIGHT = text("""
    SELECT id FROM jobs WHERE site_id = :site AND type = 'CRAWL_SITE' AND status IN ('PENDING', 'PROCESSING')
    ORDER BY created_at LIMIT 1
""")
LOCK_SITE = text("SELECT pg_advisory_xact_lock(hashtextextended(CAST(:site AS text), 0))")


def _count(counter: str) -> str:
    if counter not in ("crawls", "analyses"):
        raise ValueError(f"not a usage counter: {counter}")
    return f"""
        UPDATE usage_records SET {counter} = {counter} + 1
        WHERE user_id = :user AND month = :month AND (CAST(:quota AS int) IS NULL OR {counter} < :quota)
        RETURNING {counter}
    """


async def user_plan(conn: AsyncConnection, user_id: uuid.UUID) -> str | None:
    """A user's plan name (None for an unknown user)."""
    value = (await conn.execute(USER_PLAN, {"id": user_id})).scalar()
    return None if value is None else str(value)


async def count_usage(conn: AsyncConnection, user_id: uuid.UUID, counter: str, quota: int | None,
                      now: datetime) -> int:
    """Count one job against this month's usage; QuotaExceeded (nothing counted) past the quota."""
    month = month_of(now)
    params = {"user": user_id, "month": month, "quota": quota}
    await conn.execute(OPEN_MONTH, params)
    used = (await conn.execute(text(_count(counter)), params)).scalar()
    if used is None:
        reset = next_reset(now)
        raise QuotaExceeded(
            f"your plan allows {quota} {counter} a month and this month's are used up; "
            f"the quota resets on {reset.date().isoformat()}",
            quota=quota, usage=quota, resetAt=reset.isoformat(), counter=counter)
    return int(used)


async def crawl_in_flight(conn: AsyncConnection, site_id: uuid.UUID) -> uuid.UUID | None:
    """The site's PENDING or PROCESSING crawl, if any (serialised per site for the transaction)."""
    await conn.execute(LOCK_SITE, {"site": site_id})
    value = (await conn.execute(SITE_CRAWL_IN_FLIGHT, {"site": site_id})).scalar()
    return None if value is None else uuid.UUID(str(value))
