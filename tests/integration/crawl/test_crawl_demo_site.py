"""A full crawl of the demo site matches the answer key exactly, in both render modes."""

from __future__ import annotations

import pytest

from seojobs.crawl.engine import Crawler, CrawlOptions, CrawlProgress, crawl_result
from seojobs.domain.errors import JobCancelled
from tests.integration.crawl.conftest import ALLOWED, TLS_INSECURE, Server

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def _expected(key: dict[str, object], server: Server, browser: bool) -> set[tuple[str, str]]:
    findings = key["findings"]
    assert isinstance(findings, list)
    origins = {"http": server.origin, "https": server.https_origin}
    mode = "browser" if browser else "http"
    return {(f["rule"], f"{origins[f['scheme']]}{f['path']}") for f in findings if mode in f["modes"]}


async def _crawl(
    crawler: Crawler,
    origin: str,
    render: str,
    max_pages: int = 200,
    progress: list[CrawlProgress] | None = None,
) -> set[tuple[str, str]]:
    seen = progress if progress is not None else []

    async def on_page(p: CrawlProgress) -> None:
        seen.append(p)

    options = CrawlOptions(
        max_pages=max_pages,
        render=render,  # type: ignore[arg-type]
        allowed_private=ALLOWED,
        tls_insecure_hosts=TLS_INSECURE,
    )
    report = await crawler.crawl(origin + "/", options, on_page)
    assert report.stopped_reason == "completed"
    return {(i.rule, i.url) for i in report.issues}


@pytest.mark.browser
async def test_browser_crawl_finds_exactly_the_answer_key(
    crawler: Crawler, demo_server: Server, answer_key: dict[str, object]
) -> None:
    progress: list[CrawlProgress] = []
    found = await _crawl(crawler, demo_server.origin, "browser", progress=progress)
    expected = _expected(answer_key, demo_server, browser=True)
    assert sorted(expected - found) == [], "missing"
    assert sorted(found - expected) == [], "extra"
    percents = [p.percent for p in progress]
    assert percents == sorted(percents) and percents[-1] == 100
    assert all(p < 100 for p in percents[:-1])


async def test_http_crawl_finds_exactly_the_http_answer_key(
    crawler: Crawler, demo_server: Server, answer_key: dict[str, object]
) -> None:
    found = await _crawl(crawler, demo_server.origin, "http")
    expected = _expected(answer_key, demo_server, browser=False)
    assert sorted(expected - found) == [], "missing"
    assert sorted(found - expected) == [], "extra"


async def test_max_pages_is_respected(crawler: Crawler, demo_server: Server) -> None:
    options = CrawlOptions(max_pages=5, render="http", allowed_private=ALLOWED)
    calls: list[CrawlProgress] = []

    async def on_page(p: CrawlProgress) -> None:
        calls.append(p)

    report = await crawler.crawl(demo_server.origin + "/", options, on_page)
    assert len(report.pages) == 5
    assert report.stopped_reason == "max_pages"
    assert len({p.url for p in report.pages}) == 5
    assert crawl_result(report)["pagesAnalyzed"] == 5
    assert all(p.pages_total <= 5 for p in calls)


@pytest.mark.browser
async def test_on_page_raising_job_cancelled_stops_between_pages(
    crawler: Crawler, demo_server: Server
) -> None:
    calls: list[CrawlProgress] = []

    async def on_page(p: CrawlProgress) -> None:
        calls.append(p)
        if len(calls) == 3:
            raise JobCancelled("cancelled by the user")

    options = CrawlOptions(max_pages=50, render="browser", per_host_concurrency=2, allowed_private=ALLOWED)
    with pytest.raises(JobCancelled):
        await crawler.crawl(demo_server.origin + "/", options, on_page)
    assert len(calls) == 3
    # The crawler is still usable afterwards (the browser context was closed cleanly).
    report = await crawler.crawl(
        demo_server.origin + "/",
        CrawlOptions(max_pages=2, render="browser", allowed_private=ALLOWED),
        _ignore,
    )
    assert len(report.pages) == 2


async def _ignore(_: CrawlProgress) -> None:
    return None
