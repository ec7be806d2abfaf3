"""Browser mode in real Chromium: observers installed before page scripts, measurements that do not
serialise the crawl, the page's own resource requests, and the raw HTML beside the rendered DOM."""

from __future__ import annotations

import time

import pytest

from seojobs.crawl.engine import Crawler, CrawlOptions, CrawlProgress
from seojobs.domain.seo.categories import BROWSER_ONLY_RULES
from tests.integration.crawl.conftest import ALLOWED, ScenarioFactory

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.timeout(120)]

HEAD = (
    '<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
    '<meta property="og:title" content="t"><meta property="og:image" content="/i.png">'
)
#: A page script that takes the Performance API away before anything else on the page runs.
CLOBBER = "<script>window.PerformanceObserver = undefined;</script>"
SHIFT = (
    "<script>addEventListener('load', () => setTimeout(() => {"
    "const d = document.createElement('div'); d.style.height = '500px';"
    "document.body.prepend(d); }, 100));</script>"
)


def page(title: str, body: str = "", head: str = "") -> str:
    words = " ".join(f"word{i}" for i in range(30))
    return (
        f"<!doctype html><html lang='en'><head>{HEAD}<title>{title}</title>{head}</head>"
        f"<body><h1>{title}</h1><p>{words}</p>{body}</body></html>"
    )


async def _ignore(_: CrawlProgress) -> None:
    return None


async def crawl(crawler: Crawler, origin: str, **options: object) -> dict[tuple[str, str], str]:
    report = await crawler.crawl(
        origin + "/",
        CrawlOptions(max_pages=50, render="browser", allowed_private=ALLOWED, **options),  # type: ignore[arg-type]
        _ignore,
    )
    assert report.stopped_reason == "completed"
    return {(i.rule, i.url.removeprefix(origin)): i.evidence for i in report.issues}


async def test_measures_survive_a_page_that_clobbers_the_performance_api(
    crawler: Crawler, scenario: ScenarioFactory
) -> None:
    origin = scenario.serve(
        {
            "index.html": page("Home", '<a href="/shift">Shift</a> <a href="/late">Late</a>'),
            "shift.html": page("Shift", SHIFT, head=CLOBBER),
            "late.html": page(
                "Late", "<script>setTimeout(() => { throw new Error('late boom'); }, 800);</script>"
            ),
            "robots.txt": "User-agent: *\nAllow: /\n",
        }
    )
    found = await crawl(crawler, origin)
    assert found[("cls_high", "/shift")].startswith("CLS 0.")
    assert ("lcp_slow", "/shift") not in found
    # Thrown 0.8 s after the script ran, well after load: still within the measurement.
    assert found[("js_error", "/late")] == "uncaught: Error: late boom"


async def test_waiting_for_layout_shifts_does_not_serialise_the_crawl(
    crawler: Crawler, scenario: ScenarioFactory
) -> None:
    pages = 16
    links = " ".join(f'<a href="/p{i}">Page {i}</a>' for i in range(pages))
    files = {f"p{i}.html": page(f"Page {i}") for i in range(pages)}
    origin = scenario.serve(
        {"index.html": page("Home", links), **files, "robots.txt": "User-agent: *\nAllow: /\n"}
    )
    started = time.monotonic()
    found = await crawl(crawler, origin, per_host_concurrency=2, measure_after_load_s=3.0)
    elapsed = time.monotonic() - started
    # Serialised, 17 pages measured for 3 s each over 2 slots would take 25 s or more.
    assert elapsed < 15, f"{elapsed:.1f} s"
    assert {rule for rule, _ in found} & BROWSER_ONLY_RULES == set(), "plain pages measure clean"


async def test_the_browsers_own_requests_are_attributed_to_the_page(
    crawler: Crawler, scenario: ScenarioFactory
) -> None:
    inject = (
        "<script>const s = document.createElement('script'); s.src = '/gone.js';"
        "document.head.appendChild(s);</script>"
    )
    origin = scenario.serve(
        {
            "index.html": page("Home", '<a href="/inject">Inject</a>'),
            "inject.html": page("Inject", inject),
            "robots.txt": "User-agent: *\nAllow: /\n",
        }
    )
    found = await crawl(crawler, origin)
    assert found[("broken_resource", "/inject")] == f"{origin}/gone.js (HTTP 404)"
    http = await crawler.crawl(
        origin + "/", CrawlOptions(max_pages=50, render="http", allowed_private=ALLOWED), _ignore
    )
    assert "broken_resource" not in {i.rule for i in http.issues}, "only a browser runs the script"
