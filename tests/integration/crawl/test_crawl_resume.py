"""A crawl stopped mid-way and resumed from its last checkpoint finds what an uninterrupted one finds."""

from __future__ import annotations

import asyncio

import pytest

from seojobs.crawl.checkpoint import CheckpointClock, CrawlState, dump_state, load_state
from seojobs.crawl.engine import Crawler, CrawlOptions, CrawlProgress, CrawlReport
from tests.support.slowsite import SlowSite, slow_sites

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

OPTIONS = CrawlOptions(max_pages=40, render="http", allowed_private=("127.0.0.0/8",))


#: Rules that judge a measured time: two crawls of one site need not agree on them.
TIMED_RULES = frozenset({"slow_response"})


class Stop(Exception):
    """Ends the first run part-way, as a killed worker would."""


def _found(report: CrawlReport, site: SlowSite) -> tuple[set[str], set[tuple[str, str, str]]]:
    return ({p.url.removeprefix(site.origin) for p in report.pages},
            {(i.url.removeprefix(site.origin), i.rule, i.evidence.replace(site.origin, ""))
             for i in report.issues if i.rule not in TIMED_RULES})


async def _ignore(_: CrawlProgress) -> None:
    return None


async def test_a_resumed_crawl_equals_an_uninterrupted_one_and_repeats_at_most_a_checkpoint() -> None:
    crawler = Crawler()
    try:
        with slow_sites((30, 0), (30, 0)) as (site, twin):
            saved: list[CrawlState] = []

            async def save(state: CrawlState) -> None:
                saved.append(load_state(dump_state(state)) or state)  # through JSON, as stored

            async def stop_after_17(progress: CrawlProgress) -> None:
                if progress.pages_done >= 17:
                    raise Stop

            with pytest.raises(Stop):
                await crawler.crawl(site.origin + "/", OPTIONS, stop_after_17, on_checkpoint=save,
                                    checkpoints=CheckpointClock(5, 60.0))
            assert saved and saved[-1].pages >= 15
            resumed = await crawler.crawl(site.origin + "/", OPTIONS, _ignore, resume=saved[-1],
                                          checkpoints=CheckpointClock(5, 60.0, pages=saved[-1].pages))
            whole = await crawler.crawl(twin.origin + "/", OPTIONS, _ignore)
            (pages, issues), (whole_pages, whole_issues) = _found(resumed, site), _found(whole, twin)
            assert pages == whole_pages
            assert issues == whole_issues, (sorted(issues - whole_issues)[:5], sorted(whole_issues - issues)[:5])
            assert site.repeated() <= 5 + OPTIONS.per_host_concurrency, site.page_fetches()
    finally:
        await crawler.close()
    await asyncio.sleep(0)
