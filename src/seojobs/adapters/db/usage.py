"""Monthly usage counters: counted in the enqueue's transaction, refused past the plan's quota."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from seojobs.adapters.db.queries import SITE_AND_PLAN
from seojobs.domain.errors import NotFound, QuotaExceeded
from seojobs.domain.plans import month_of, next_reset

USER_PLAN = text("SELECT plan FROM users WHERE id = :id")
SITE_CRAWL_IN_FLIGHT = text("""
    SELECT id FROM jobs WHERE site_id = :site AND type = 'CRAWL_SITE' AND status IN ('PENDING', 'PROCESSING')
    ORDER BY created_at LIMIT 1
""")
LOCK_SITE = text("SELECT pg_advisory_xact_lock(hashtextextended(CAST(:site AS text), 0))")


def _count(counter: str) -> str:
    """Open the month's row if need be and count one job, only while under the quota (one statement;
    nothing comes back past the quota)."""
    if counter not in ("crawls", "analyses"):
        raise ValueError(f"not a usage counter: {counter}")
    return f"""
        INSERT INTO usage_records (user_id, month, reset_at, {counter})
        SELECT :user, :month, now(), 1 WHERE CAST(:quota AS int) IS NULL OR CAST(:quota AS int) > 0
        ON CONFLICT (user_id, month) DO UPDATE SET {counter} = usage_records.{counter} + 1
        WHERE CAST(:quota AS int) IS NULL OR usage_records.{counter} < CAST(:quota AS int)
        RETURNING {counter}
    """


#: The statement of each counter, made once.
_COUNT = {c: text(_count(c)) for c in ("crawls", "analyses")}


async def site_and_plan(
    conn: AsyncConnection, site_id: uuid.UUID, owner: uuid.UUID | None, user_id: uuid.UUID | None
) -> str | None:
    """Check the site exists (and is the owner's, when given); the plan of ``user_id`` (None when
    there is none). NotFound when the site is missing or another owner's."""
    params = {"site_id": site_id, "owner": owner, "user_id": user_id}
    row = (await conn.execute(SITE_AND_PLAN, params)).first()
    if row is None:
        raise NotFound("site not found", site_id=str(site_id))
    return None if row[1] is None else str(row[1])


async def user_plan(conn: AsyncConnection, user_id: uuid.UUID) -> str | None:
    """A user's plan name (None for an unknown user)."""
    value = (await conn.execute(USER_PLAN, {"id": user_id})).scalar()
    return None if value is None else str(value)


async def count_usage(
    conn: AsyncConnection, user_id: uuid.UUID, counter: str, quota: int | None, now: datetime
) -> int:
    """Count one job against this month's usage; QuotaExceeded (nothing counted) past the quota."""
    month = month_of(now)
    if counter not in _COUNT:
        raise ValueError(f"not a usage counter: {counter}")
    used = (await conn.execute(_COUNT[counter], {"user": user_id, "month": month, "quota": quota})).scalar()
    if used is None:
        reset = next_reset(now)
        raise QuotaExceeded(
            f"your plan allows {quota} {counter} a month and this month's are used up; "
            f"the quota resets on {reset.date().isoformat()}",
            quota=quota,
            usage=quota,
            resetAt=reset.isoformat(),
            counter=counter,
        )
    return int(used)


async def crawl_in_flight(conn: AsyncConnection, site_id: uuid.UUID) -> uuid.UUID | None:
    """The site's PENDING or PROCESSING crawl, if any (serialised per site for the transaction)."""
    await conn.execute(LOCK_SITE, {"site": site_id})
    value = (await conn.execute(SITE_CRAWL_IN_FLIGHT, {"site": site_id})).scalar()
    return None if value is None else uuid.UUID(str(value))
