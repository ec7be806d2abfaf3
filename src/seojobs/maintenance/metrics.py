"""SYNC_METRICS: recompute site metrics from each site's latest crawl and upsert them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from seojobs.domain.errors import PermanentError
from seojobs.domain.jobs import JobType
from seojobs.domain.payloads import SyncMetricsPayload
from seojobs.domain.registry import parse_payload
from seojobs.maintenance import queries
from seojobs.maintenance.rules import CrawlFigures, site_score
from seojobs.ports.worker import JobContext

#: Keyset pagination starts below every real id (gen_random_uuid never yields the nil UUID).
_BEFORE_FIRST_SITE = uuid.UUID(int=0)
#: Progress reported until the last batch is written (100 means done).
_LAST_BATCH_PERCENT = 99


@dataclass(frozen=True)
class SiteMetrics:
    """A site's recomputed figures; ``crawl_job_id`` is None for a site never crawled."""

    site_id: uuid.UUID
    crawl_job_id: uuid.UUID | None
    figures: CrawlFigures
    score: int

    def as_json(self) -> dict[str, Any]:
        """The metrics as a JSON object (camelCase keys), as job results carry them."""
        return {
            "siteId": str(self.site_id),
            "crawlJobId": None if self.crawl_job_id is None else str(self.crawl_job_id),
            "issuesHigh": self.figures.issues_high,
            "issuesMedium": self.figures.issues_medium,
            "issuesLow": self.figures.issues_low,
            "pages": self.figures.pages,
            "score": self.score,
        }

    def as_params(self, now: datetime) -> dict[str, Any]:
        """The bind parameters of the upsert."""
        return {
            "site_id": self.site_id,
            "crawl_job_id": self.crawl_job_id,
            "issues_high": self.figures.issues_high,
            "issues_medium": self.figures.issues_medium,
            "issues_low": self.figures.issues_low,
            "pages": self.figures.pages,
            "score": self.score,
            "now": now,
        }


def metrics_of(row: Row[Any]) -> SiteMetrics:
    """The metrics of one row of LATEST_CRAWL_FIGURES (the score computed here, in Python)."""
    figures = CrawlFigures(
        issues_high=int(row.issues_high),
        issues_medium=int(row.issues_medium),
        issues_low=int(row.issues_low),
        pages=int(row.pages),
    )
    return SiteMetrics(row.site_id, row.crawl_job_id, figures, site_score(figures))


async def _sync_sites(
    conn: AsyncConnection, site_ids: Sequence[uuid.UUID], now: datetime
) -> list[SiteMetrics]:
    """Recompute and upsert the metrics of some sites, in the caller's transaction."""
    rows = (await conn.execute(queries.LATEST_CRAWL_FIGURES, {"site_ids": list(site_ids)})).all()
    metrics = [metrics_of(row) for row in rows]
    if metrics:
        await conn.execute(queries.UPSERT_SITE_METRICS, [m.as_params(now) for m in metrics])
    return metrics


async def sync_metrics(
    engine: AsyncEngine, ctx: JobContext, batch_size: int, now: datetime
) -> dict[str, Any]:
    """Sync one site (payload siteId) or every site, a batch of sites per transaction."""
    payload: SyncMetricsPayload = parse_payload(JobType.SYNC_METRICS, ctx.payload)
    await ctx.progress(0, "syncing metrics")
    if payload.site_id is not None:
        async with engine.begin() as conn:
            metrics = await _sync_sites(conn, [payload.site_id], now)
        if not metrics:
            raise PermanentError(f"site {payload.site_id} does not exist", site_id=str(payload.site_id))
        await ctx.progress(100, "metrics synced")
        return {"success": True, "sitesSynced": 1, "metrics": [m.as_json() for m in metrics]}
    async with engine.connect() as conn:
        total = int((await conn.execute(queries.COUNT_SITES)).scalar_one())
    synced, after = 0, _BEFORE_FIRST_SITE
    while True:
        async with engine.begin() as conn:
            page = await conn.execute(queries.SITE_IDS_AFTER, {"after": after, "limit": batch_size})
            ids: list[uuid.UUID] = list(page.scalars())
            if ids:
                synced += len(await _sync_sites(conn, ids, now))
        if len(ids) < batch_size:
            break
        after = ids[-1]
        percent = min(_LAST_BATCH_PERCENT, synced * 100 // max(total, 1))
        await ctx.progress(percent, f"{synced} of about {total} sites synced")
    await ctx.progress(100, "metrics synced")
    return {"success": True, "sitesSynced": synced}
