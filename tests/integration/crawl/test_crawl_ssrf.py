"""SSRF: no crawl reaches a forbidden address, directly, by redirect, sub-resource or link."""

from __future__ import annotations

import httpx
import pytest

from seojobs.crawl.engine import Crawler, CrawlOptions, CrawlProgress
from seojobs.domain.errors import PermanentError, RetryableError
from tests.integration.crawl.conftest import ALLOWED, TRAP_PORT, ScenarioFactory, Trap

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


async def _ignore(_: CrawlProgress) -> None:
    return None


def _page(body: str, head: str = "") -> str:
    return f"<!doctype html><html lang=en><head><title>t</title>{head}</head><body>{body}</body></html>"


def test_trap_is_reachable_without_the_crawler(trap: Trap) -> None:
    # The control: the trap answers, so zero hits below means the crawler was stopped.
    assert httpx.get(trap.origin + "/control", timeout=5).status_code == 200
    assert "/control" in trap.hits
    trap.hits.clear()


@pytest.mark.parametrize(
    "url",
    [
        f"http://127.0.0.2:{TRAP_PORT}/",
        f"http://[::ffff:127.0.0.2]:{TRAP_PORT}/",
        f"http://2130706434:{TRAP_PORT}/",
        f"http://0x7f000002:{TRAP_PORT}/",
        "http://0.0.0.0/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "file:///etc/passwd",
        "ftp://127.0.0.1/",
    ],
)
@pytest.mark.parametrize("render", ["http", "browser"])
async def test_unsafe_base_url_is_refused(crawler: Crawler, trap: Trap, url: str, render: str) -> None:
    options = CrawlOptions(render=render, allowed_private=ALLOWED)  # type: ignore[arg-type]
    with pytest.raises(PermanentError):
        await crawler.crawl(url, options, _ignore)
    assert trap.hits == []


TRAP = f"http://127.0.0.2:{TRAP_PORT}"
SSRF_SITE = {
    "index.html": _page(
        f'<a href="/go">redirecting page</a> <a href="{TRAP}/linked">trap link</a>'
        f' <a href="http://[::ffff:7f00:2]:{TRAP_PORT}/mapped">mapped link</a>'
        f' <img src="{TRAP}/img.png" alt="x"> <img src="/go-img" alt="y">'
        f' <iframe src="{TRAP}/frame"></iframe>'
        f'<script>fetch("{TRAP}/fetch").catch(() => 0);'
        f' fetch("/go-fetch").catch(() => 0); new Image().src = "{TRAP}/js-img";</script>',
        head=f'<link rel="prefetch" href="{TRAP}/prefetch"><link rel="stylesheet" '
        f'href="{TRAP}/style.css"><link rel="canonical" href="{TRAP}/canonical">',
    ),
    "robots.txt": f"User-agent: *\nAllow: /\nSitemap: {TRAP}/sitemap.xml\n",
    "sitemap.xml": f"<urlset><url><loc>{TRAP}/from-sitemap</loc></url></urlset>",
}
SSRF_ROUTES = {
    "/go": {"redirect": f"{TRAP}/redirected", "status": 302},
    "/go-img": {"redirect": f"{TRAP}/redirected-img", "status": 302},
    "/go-fetch": {"redirect": f"{TRAP}/redirected-fetch", "status": 302},
}


@pytest.mark.browser
@pytest.mark.parametrize("render", ["browser", "http"])
async def test_redirects_subresources_and_links_never_reach_a_forbidden_address(
    crawler: Crawler, trap: Trap, scenario: ScenarioFactory, render: str
) -> None:
    origin = scenario.serve(SSRF_SITE, SSRF_ROUTES)
    options = CrawlOptions(
        max_pages=20,
        render=render,  # type: ignore[arg-type]
        allowed_private=ALLOWED,
    )
    report = await crawler.crawl(origin + "/", options, _ignore)
    assert trap.hits == []
    pages = {p.url: p for p in report.pages}
    assert pages[origin + "/"].status == 200
    assert pages[origin + "/go"].status == 302
    assert not any(url.startswith(TRAP) for url in pages)
    assert ("link_to_redirect", origin + "/") in {(i.rule, i.url) for i in report.issues}


async def test_robots_4xx_allows_everything(crawler: Crawler, scenario: ScenarioFactory) -> None:
    origin = scenario.serve(
        {"index.html": _page('<a href="/a">a</a>'), "a.html": _page("a")}, {"/robots.txt": {"status": 404}}
    )
    report = await crawler.crawl(origin + "/", CrawlOptions(render="http", allowed_private=ALLOWED), _ignore)
    assert sorted(p.url for p in report.pages) == [origin + "/", origin + "/a"]
    assert "robots_txt_invalid" not in {i.rule for i in report.issues}


async def test_robots_5xx_disallows_everything(crawler: Crawler, scenario: ScenarioFactory) -> None:
    origin = scenario.serve(
        {"index.html": _page('<a href="/a">a</a>'), "a.html": _page("a")}, {"/robots.txt": {"status": 503}}
    )
    report = await crawler.crawl(origin + "/", CrawlOptions(render="http", allowed_private=ALLOWED), _ignore)
    assert report.pages == ()
    assert [(i.rule, i.url) for i in report.issues] == [("robots_txt_invalid", origin + "/robots.txt")]


async def test_unreachable_base_url_is_retryable(crawler: Crawler) -> None:
    options = CrawlOptions(render="http", allowed_private=ALLOWED, page_timeout_s=5)
    with pytest.raises(RetryableError):
        await crawler.crawl("http://127.0.0.1:18199/", options, _ignore)
