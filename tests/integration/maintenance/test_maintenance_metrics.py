"""SYNC_METRICS against the real PostgreSQL: figures of each site's latest crawl, upserted."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.domain.errors import PermanentError
from seojobs.domain.jobs import JobType
from seojobs.maintenance import MaintenanceHandlers
from tests.integration.maintenance.maintenance_support import (
    RecordingContext,
    add_site,
    add_user,
    execute,
    rows,
)

pytestmark = pytest.mark.integration


async def add_crawl(
    engine: AsyncEngine, site_id: uuid.UUID, hours_ago: int, pages: int, issues: dict[str, int]
) -> uuid.UUID:
    """A crawl's pages and issues, all created ``hours_ago``; returns the crawl's job id."""
    crawl = uuid.uuid4()
    when = {"site": site_id, "crawl": crawl, "h": hours_ago}
    if pages:
        await execute(
            engine,
            """
            INSERT INTO pages (site_id, crawl_job_id, url, created_at)
            SELECT :site, :crawl, 'https://x.example/' || g, now() - make_interval(hours => :h)
            FROM generate_series(1, :n) g""",
            {**when, "n": pages},
        )
    for severity, count in issues.items():
        await execute(
            engine,
            """
            INSERT INTO seo_issues (site_id, crawl_job_id, url, rule, severity, created_at)
            SELECT :site, :crawl, 'https://x.example/', 'rule', :sev,
                   now() - make_interval(hours => :h)
            FROM generate_series(1, :n)""",
            {**when, "sev": severity, "n": count},
        )
    return crawl


async def metrics_table(engine: AsyncEngine) -> Sequence[tuple[Any, ...]]:
    """Every site_metrics row, computed_at included."""
    return await rows(
        engine,
        """
        SELECT site_id, issues_high, issues_medium, issues_low, pages, score, crawl_job_id,
               computed_at
        FROM site_metrics ORDER BY site_id""",
    )


async def three_sites(engine: AsyncEngine) -> dict[str, Any]:
    """Site A crawled twice, site B never, site C whose latest crawl found one low issue."""
    user = await add_user(engine, "owner@example.com")
    a, b, c = [await add_site(engine, user, n) for n in ("a", "b", "c")]
    await add_crawl(engine, a, 48, 5, {"high": 9})
    a_latest = await add_crawl(engine, a, 1, 4, {"high": 1, "medium": 2, "low": 3})
    await add_crawl(engine, c, 3, 2, {"high": 2})
    c_latest = await add_crawl(engine, c, 1, 3, {"low": 1})
    return {"a": a, "b": b, "c": c, "a_latest": a_latest, "c_latest": c_latest}


async def test_one_site_is_synced_from_its_latest_crawl(engine: AsyncEngine) -> None:
    s = await three_sites(engine)
    ctx = RecordingContext(JobType.SYNC_METRICS, {"siteId": str(s["a"])})

    result = await MaintenanceHandlers(engine, 30).handlers()[JobType.SYNC_METRICS](ctx)

    # score = 100 - ceil(10 * (5*1 + 2*2 + 1*3) / 4) = 70
    assert result == {
        "success": True,
        "sitesSynced": 1,
        "metrics": [
            {
                "siteId": str(s["a"]),
                "crawlJobId": str(s["a_latest"]),
                "issuesHigh": 1,
                "issuesMedium": 2,
                "issuesLow": 3,
                "pages": 4,
                "score": 70,
            }
        ],
    }
    assert [r[:7] for r in await metrics_table(engine)] == [(s["a"], 1, 2, 3, 4, 70, s["a_latest"])]
    assert ctx.percents == [0, 100]


async def test_every_site_is_synced_in_batches(engine: AsyncEngine) -> None:
    s = await three_sites(engine)
    ctx = RecordingContext(JobType.SYNC_METRICS, {})

    result = await MaintenanceHandlers(engine, 30, batch_size=2).sync_metrics(ctx)

    assert result == {"success": True, "sitesSynced": 3}
    assert {r[0]: r[1:7] for r in await metrics_table(engine)} == {
        s["a"]: (1, 2, 3, 4, 70, s["a_latest"]),
        s["b"]: (0, 0, 0, 0, 100, None),  # never crawled: nothing to hold against it
        s["c"]: (0, 0, 1, 3, 96, s["c_latest"]),  # 100 - ceil(10 / 3)
    }
    assert ctx.percents == [0, 66, 100]  # a full batch of 2 out of 3 sites, then done


async def test_sync_twice_leaves_the_rows_untouched(engine: AsyncEngine) -> None:
    s = await three_sites(engine)
    handlers = MaintenanceHandlers(engine, 30)

    await handlers.sync_metrics(RecordingContext(JobType.SYNC_METRICS, {}))
    first = await metrics_table(engine)
    again = await handlers.sync_metrics(RecordingContext(JobType.SYNC_METRICS, {}))

    assert again["sitesSynced"] == 3
    assert await metrics_table(engine) == first  # computed_at too: nothing changed, no write
    assert len(first) == 3 and s["a"] in {r[0] for r in first}


async def test_a_new_crawl_updates_the_existing_row(engine: AsyncEngine) -> None:
    s = await three_sites(engine)
    handlers = MaintenanceHandlers(engine, 30)
    payload = {"siteId": str(s["b"])}
    await handlers.sync_metrics(RecordingContext(JobType.SYNC_METRICS, payload))

    newest = await add_crawl(engine, s["b"], 0, 10, {"medium": 5})
    result = await handlers.sync_metrics(RecordingContext(JobType.SYNC_METRICS, payload))

    # 100 - ceil(10 * 2 * 5 / 10) = 90
    assert result["metrics"][0]["score"] == 90
    assert [r[:7] for r in await metrics_table(engine)] == [(s["b"], 0, 5, 0, 10, 90, newest)]


async def test_unknown_site_fails_permanently(engine: AsyncEngine) -> None:
    missing = uuid.uuid4()
    with pytest.raises(PermanentError) as info:
        await MaintenanceHandlers(engine, 30).sync_metrics(
            RecordingContext(JobType.SYNC_METRICS, {"siteId": str(missing)})
        )
    assert info.value.details == {"site_id": str(missing)}
    assert await metrics_table(engine) == []


async def test_no_sites_syncs_nothing(engine: AsyncEngine) -> None:
    result = await MaintenanceHandlers(engine, 30).sync_metrics(RecordingContext(JobType.SYNC_METRICS, {}))
    assert result == {"success": True, "sitesSynced": 0}
