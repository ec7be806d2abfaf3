"""Late page facts: sub-resources checked once per crawl, browser measurements applied at the end."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from seojobs.crawl.fetching import FetchResult, TextResponse
from seojobs.crawl.page_extras import PageExtras
from seojobs.domain.seo import UrlOutcome
from seojobs.domain.seo.render_facts import Experience
from tests.unit.crawl.seo_fixtures import ORIGIN, facts, page_html


class Statuses:
    """Answers sub-resource checks from a table and counts the requests."""

    def __init__(self, table: dict[str, TextResponse]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def get_text(self, url: str, timeout_s: float, max_redirects: int) -> TextResponse:
        raise AssertionError("only statuses are asked for")

    async def get_status(self, url: str, timeout_s: float, max_redirects: int) -> TextResponse:
        self.asked.append(url)
        await asyncio.sleep(0)
        return self.table[url]


IMG, CSS, BLOCKED = ORIGIN + "/a.png", ORIGIN + "/s.css", ORIGIN + "/private.png"
BODY = (
    f'<img src="{IMG}" alt="" width="1" height="1"><link rel="stylesheet" href="{CSS}">'
    f'<img src="{BLOCKED}" alt="" width="1" height="1">'
)


async def test_each_sub_resource_is_checked_once_per_crawl_and_refusals_are_not_statuses() -> None:
    checker = Statuses(
        {
            IMG: TextResponse(IMG, 404),
            CSS: TextResponse(CSS, None, error="timeout"),
            BLOCKED: TextResponse(BLOCKED, None, error="blocked: private address"),
        }
    )
    extras = PageExtras(checker, 5.0)
    for path in ("/a", "/b", "/c"):
        page = facts(page_html(path=path, body=BODY), path=path)
        extras.observe(page.url, FetchResult(page.url, 200, page.url), page)
    await extras.finish()
    assert sorted(checker.asked) == sorted([IMG, CSS, BLOCKED])
    assert extras.resource_status == {IMG: 404, CSS: None}


async def test_statuses_restored_from_a_checkpoint_are_not_checked_again() -> None:
    checker = Statuses({CSS: TextResponse(CSS, 200), BLOCKED: TextResponse(BLOCKED, 200)})
    extras = PageExtras(checker, 5.0)
    extras.restore([(IMG, 404)])
    page = facts(page_html(body=BODY))
    extras.observe(page.url, FetchResult(page.url, 200, page.url), page)
    await extras.finish()
    assert IMG not in checker.asked
    assert extras.resource_status == {IMG: 404, CSS: 200, BLOCKED: 200}


async def test_browser_statuses_are_taken_and_late_measurements_land_in_the_outcome() -> None:
    page = facts(page_html())
    outcomes = {page.url: UrlOutcome(page.url, 200, final_status=200, facts=page)}
    extras = PageExtras(None, 5.0, lambda: outcomes)
    measured = Experience(lcp_ms=1234.0, lcp_target="p")

    async def settle() -> Experience:
        await asyncio.sleep(0.01)
        return measured

    result = FetchResult(page.url, 200, page.url, resource_statuses=((IMG, 500),), settle=settle)
    extras.observe(page.url, result, page)
    assert outcomes[page.url].facts == page, "the crawl goes on before the measurement ends"
    await extras.finish()
    assert extras.resource_status == {IMG: 500}
    assert outcomes[page.url].facts == replace(page, experience=measured)


async def test_cancel_stops_measurements_that_still_run() -> None:
    extras = PageExtras(None, 5.0)
    started = asyncio.Event()

    async def settle() -> Experience:
        started.set()
        await asyncio.sleep(60)
        return Experience()

    extras.observe(ORIGIN + "/", FetchResult(ORIGIN + "/", 200, ORIGIN + "/", settle=settle), None)
    await started.wait()
    await asyncio.wait_for(extras.cancel(), 1)
