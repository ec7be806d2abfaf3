"""The SITEMAP_CHECK handler against a local site: sitemaps, statuses, lastmod, robots.txt, SSRF guard."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db.accounts import create_site, create_user
from seojobs.domain.errors import PermanentError
from seojobs.domain.jobs import JobType
from seojobs.handlers.sitemap_check import SitemapCheck
from tests.support.job_context import RecordingCtx
from tests.support.sitemapsite import EXPECTED, sitemap_site

pytestmark = pytest.mark.integration


async def payload_for(engine: AsyncEngine, url: str) -> dict[str, Any]:
    user = await create_user(engine, f"{uuid.uuid4().hex[:8]}@example.test")
    site = await create_site(engine, user, url, "local")
    return {"siteId": site["id"], "userId": str(user)}


async def test_a_check_reports_each_sitemap_url_with_its_status_and_lastmod(engine: AsyncEngine) -> None:
    with sitemap_site() as site:
        ctx = RecordingCtx(JobType.SITEMAP_CHECK, await payload_for(engine, site.base))
        handler = SitemapCheck(engine, ("127.0.0.0/8",))
        try:
            result = await handler(ctx)
        finally:
            await handler.aclose()
    assert result["sitemaps"] == [f"{site.base}/sitemap_index.xml", f"{site.base}/sitemap-pages.xml"]
    assert result["totalUrls"] == 4, "the other host's URL is left out"
    got = [(u["url"].removeprefix(site.base), u["lastmod"], u["status"], u["error"]) for u in result["urls"]]
    assert got == EXPECTED
    assert result["checked"] == 4 and result["broken"] == 2
    assert site.hits["/private/report"] == 0, "robots.txt is obeyed"
    assert all(n == 1 for n in site.hits.values()), "nothing is fetched twice"
    assert ctx.seen[0] == 0 and ctx.seen[-1] == 99


async def test_max_urls_caps_the_requests(engine: AsyncEngine) -> None:
    with sitemap_site() as site:
        ctx = RecordingCtx(JobType.SITEMAP_CHECK, {**await payload_for(engine, site.base), "maxUrls": 1})
        handler = SitemapCheck(engine, ("127.0.0.0/8",))
        try:
            result = await handler(ctx)
        finally:
            await handler.aclose()
    assert (result["totalUrls"], result["checked"]) == (4, 1)
    assert site.hits["/about"] == 0


async def test_a_private_address_is_refused_by_the_ssrf_guard(engine: AsyncEngine) -> None:
    with sitemap_site() as site:
        ctx = RecordingCtx(JobType.SITEMAP_CHECK, await payload_for(engine, site.base))
        handler = SitemapCheck(engine)  # production: no private network allowed
        try:
            with pytest.raises(PermanentError, match="refused"):
                await handler(ctx)
        finally:
            await handler.aclose()
        assert sum(site.hits.values()) == 0
