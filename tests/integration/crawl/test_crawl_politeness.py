"""Politeness end to end: robots.txt Crawl-delay spaces the requests, the job timeout stops a crawl."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping

import pytest

from seojobs.crawl.engine import Crawler, CrawlOptions, CrawlProgress, crawl_result
from tests.integration.crawl.conftest import ALLOWED, Recorder, ScenarioFactory

pytestmark = [pytest.mark.integration, pytest.mark.timeout(30)]

Serve = Callable[[Mapping[str, str]], Recorder]
PAGES = ("/", "/a", "/b")


def _page(body: str = "") -> str:
    return f"<!doctype html><html lang=en><head><title>t</title></head><body>{body}</body></html>"


def _site(robots: str) -> dict[str, str]:
    return {
        "/robots.txt": robots,
        "/": _page('<a href="/a">A</a> <a href="/b">B</a>'),
        "/a": _page(),
        "/b": _page(),
    }


async def _ignore(_: CrawlProgress) -> None:
    return None


def _gaps(recorder: Recorder) -> list[float]:
    arrivals = sorted(t for path in PAGES for t in recorder.times(path))
    assert len(arrivals) == len(PAGES), recorder.arrivals
    return [later - earlier for earlier, later in itertools.pairwise(arrivals)]


@pytest.mark.parametrize("render", ["http", "browser"])
async def test_pages_of_a_host_with_crawl_delay_1_are_fetched_a_second_apart(
    crawler: Crawler, recorder: Serve, render: str
) -> None:
    site = recorder(_site("User-agent: *\nCrawl-delay: 1\n"))
    options = CrawlOptions(render=render, allowed_private=ALLOWED)  # type: ignore[arg-type]
    report = await crawler.crawl(site.origin + "/", options, _ignore)
    assert report.stopped_reason == "completed"
    gaps = _gaps(site)
    # A request starts a delay after the previous one ended, so arrivals are at least that far apart.
    assert all(1.0 <= gap < 1.8 for gap in gaps), gaps


async def test_a_long_crawl_delay_is_capped(crawler: Crawler, recorder: Serve) -> None:
    site = recorder(_site("User-agent: *\nCrawl-delay: 30\n"))
    options = CrawlOptions(render="http", crawl_delay_cap_s=0.5, allowed_private=ALLOWED)
    started = time.monotonic()
    report = await crawler.crawl(site.origin + "/", options, _ignore)
    assert report.stopped_reason == "completed"
    gaps = _gaps(site)
    assert all(0.5 <= gap < 1.0 for gap in gaps), gaps
    assert time.monotonic() - started < 5


async def test_without_crawl_delay_requests_are_not_spaced(crawler: Crawler, recorder: Serve) -> None:
    # The control: the spacing above comes from robots.txt, not from the crawler's own pace.
    site = recorder(_site("User-agent: *\nAllow: /\n"))
    report = await crawler.crawl(
        site.origin + "/", CrawlOptions(render="http", allowed_private=ALLOWED), _ignore
    )
    assert report.stopped_reason == "completed"
    assert all(gap < 0.5 for gap in _gaps(site))


#: Pages that answer only after the job timeout has passed.
SLOW_PAGES = tuple(f"/slow-{i}" for i in range(4))


@pytest.mark.parametrize("render", ["http", "browser"])
async def test_the_job_timeout_stops_a_crawl_with_what_it_has(
    crawler: Crawler, scenario: ScenarioFactory, render: str
) -> None:
    links = " ".join(f'<a href="{p}">Slow page {p[-1]}</a>' for p in SLOW_PAGES)
    files = {"index.html": _page(links), **{p.lstrip("/") + ".html": _page() for p in SLOW_PAGES}}
    origin = scenario.serve(files, {p: {"delay_ms": 5000} for p in SLOW_PAGES})
    progress: list[CrawlProgress] = []

    async def on_page(p: CrawlProgress) -> None:
        progress.append(p)

    options = CrawlOptions(
        render=render,  # type: ignore[arg-type]
        max_pages=50,
        job_timeout_s=1.5,
        allowed_private=ALLOWED,
    )
    started = time.monotonic()
    report = await crawler.crawl(origin + "/", options, on_page)
    elapsed = time.monotonic() - started
    assert report.stopped_reason == "job_timeout"
    assert crawl_result(report)["stoppedReason"] == "job_timeout"
    assert 1.5 <= elapsed < 4, elapsed
    assert 1500 <= report.duration_ms < 4000
    # The home page was done; the slow pages were in flight and are not reported.
    assert [p.url for p in report.pages] == [origin + "/"]
    assert progress[-1].percent == 100
    # The crawler is still usable after the in-flight fetches were abandoned.
    again = await crawler.crawl(
        origin + "/",
        CrawlOptions(render=render, max_pages=1, allowed_private=ALLOWED),  # type: ignore[arg-type]
        _ignore,
    )
    assert [p.url for p in again.pages] == [origin + "/"]
