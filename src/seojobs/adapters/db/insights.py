"""Read-only figures for the dashboard and `seojobs top`: throughput, open jobs, failures, sites."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.domain.events import utcnow

#: Width of one throughput bucket, seconds.
DEFAULT_BUCKET_S = 60
#: Buckets a throughput series covers unless told otherwise.
DEFAULT_BUCKETS = 30

THROUGHPUT = text("""
    SELECT date_bin(make_interval(secs => :bucket), completed_at, TIMESTAMPTZ '2000-01-01') AS t,
           count(*) FILTER (WHERE status = 'COMPLETED') AS completed,
           count(*) FILTER (WHERE status = 'FAILED') AS failed
    FROM jobs
    WHERE completed_at >= :since AND status IN ('COMPLETED', 'FAILED')
    GROUP BY 1
""")

OPEN_JOBS = text("""
    SELECT type, status, count(*) FROM jobs WHERE status IN ('PENDING', 'PROCESSING') GROUP BY 1, 2
""")

RECENT_FAILURES = text("""
    SELECT id, type, error, attempts, completed_at, dead_lettered FROM jobs
    WHERE status = 'FAILED' ORDER BY completed_at DESC NULLS LAST LIMIT :limit
""")

#: Each site with the issue counts of its latest crawl and its newest analysis.
SITES = text("""
    WITH latest AS (
        SELECT DISTINCT ON (site_id) site_id, crawl_job_id FROM pages ORDER BY site_id, created_at DESC
    )
    SELECT s.id, s.name, s.url, s.user_id, l.crawl_job_id,
           count(i.id) FILTER (WHERE i.severity = 'high') AS high,
           count(i.id) FILTER (WHERE i.severity = 'medium') AS medium,
           count(i.id) FILTER (WHERE i.severity = 'low') AS low,
           (SELECT jsonb_array_length(coalesce(c.recommendations, '[]'::jsonb)) FROM ai_conversations c
             WHERE c.site_id = s.id ORDER BY c.created_at DESC LIMIT 1) AS recommendations
    FROM sites s
    LEFT JOIN latest l ON l.site_id = s.id
    LEFT JOIN seo_issues i ON i.site_id = s.id AND i.crawl_job_id = l.crawl_job_id
    GROUP BY s.id, l.crawl_job_id
    ORDER BY s.created_at DESC
    LIMIT :limit
""")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def throughput(
    engine: AsyncEngine, buckets: int = DEFAULT_BUCKETS, bucket_s: int = DEFAULT_BUCKET_S
) -> list[dict[str, Any]]:
    """Jobs completed and failed per bucket, oldest first, empty buckets included."""
    now = utcnow()
    epoch = datetime(2000, 1, 1, tzinfo=now.tzinfo)
    last = epoch + timedelta(seconds=(now - epoch).total_seconds() // bucket_s * bucket_s)
    first = last - timedelta(seconds=bucket_s * (buckets - 1))
    async with engine.connect() as conn:
        rows = (await conn.execute(THROUGHPUT, {"bucket": bucket_s, "since": first})).all()
    found: dict[datetime, tuple[int, int]] = {r[0]: (int(r[1]), int(r[2])) for r in rows}
    series = []
    for n in range(buckets):
        t = first + timedelta(seconds=bucket_s * n)
        completed, failed = found.get(t, (0, 0))
        series.append({"t": t.isoformat(), "completed": completed, "failed": failed})
    return series


async def open_jobs(engine: AsyncEngine) -> list[dict[str, Any]]:
    """PENDING and PROCESSING jobs per type."""
    async with engine.connect() as conn:
        rows = (await conn.execute(OPEN_JOBS)).all()
    counts: dict[str, dict[str, Any]] = {}
    for job_type, status, n in rows:
        entry = counts.setdefault(job_type, {"type": job_type, "pending": 0, "processing": 0})
        entry[str(status).lower()] = int(n)
    return sorted(counts.values(), key=lambda e: str(e["type"]))


async def recent_failures(engine: AsyncEngine, limit: int = 10) -> list[dict[str, Any]]:
    """The newest failed jobs with their errors."""
    async with engine.connect() as conn:
        rows = (await conn.execute(RECENT_FAILURES, {"limit": limit})).all()
    return [
        {
            "id": str(r.id),
            "type": r.type,
            "error": r.error,
            "attempts": r.attempts,
            "completedAt": _iso(r.completed_at),
            "deadLettered": r.dead_lettered,
        }
        for r in rows
    ]


async def sites(engine: AsyncEngine, limit: int = 100) -> list[dict[str, Any]]:
    """Sites with their latest crawl's issue counts by severity and their recommendation count."""
    async with engine.connect() as conn:
        rows = (await conn.execute(SITES, {"limit": limit})).all()
    return [
        {
            "id": str(r.id),
            "name": r.name,
            "url": r.url,
            "userId": str(r.user_id) if r.user_id else None,
            "crawlJobId": str(r.crawl_job_id) if r.crawl_job_id else None,
            "issues": {"high": int(r.high), "medium": int(r.medium), "low": int(r.low)},
            "recommendations": r.recommendations,
        }
        for r in rows
    ]
