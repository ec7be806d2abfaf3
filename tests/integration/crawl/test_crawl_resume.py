"""A crawl stopped mid-way and resumed from its last checkpoint finds what an uninterrupted one finds."""

from __future__ import annotations

import asyncio

import pytest

from seojobs.crawl.checkpoint import CheckpointClock, CrawlState, dump_state, load_state
from seojobs.crawl.engine import Crawler, CrawlOptions, CrawlProgress, CrawlReport
from tests.integration.crawl.conftest import ALLOWED, TLS_INSECURE, Server
from tests.support.slowsite import SlowSite, slow_sites

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

OPTIONS = CrawlOptions(max_pages=40, render="http", allowed_private=("127.0.0.0/8",))


#: Rules that judge a measured time: two crawls of one site need not agree on them.
TIMED_RULES = frozenset({"slow_response"})


class Stop(Exception):
    """Ends the first run part-way, as a killed worker would."""


def _found(report: CrawlReport, site: SlowSite) -> tuple[set[str], set[tuple[str, str, str]]]:
    return (
        {p.url.removeprefix(site.origin) for p in report.pages},
        {
            (i.url.removeprefix(site.origin), i.rule, i.evidence.replace(site.origin, ""))
            for i in report.issues
            if i.rule not in TIMED_RULES
        },
    )


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
                await crawler.crawl(
                    site.origin + "/",
                    OPTIONS,
                    stop_after_17,
                    on_checkpoint=save,
                    checkpoints=CheckpointClock(5, 60.0),
                )
            assert saved and saved[-1].pages >= 15
            resumed = await crawler.crawl(
                site.origin + "/",
                OPTIONS,
                _ignore,
                resume=saved[-1],
                checkpoints=CheckpointClock(5, 60.0, pages=saved[-1].pages),
            )
            whole = await crawler.crawl(twin.origin + "/", OPTIONS, _ignore)
            (pages, issues), (whole_pages, whole_issues) = _found(resumed, site), _found(whole, twin)
            assert pages == whole_pages
            assert issues == whole_issues, (
                sorted(issues - whole_issues)[:5],
                sorted(whole_issues - issues)[:5],
            )
            assert site.repeated() <= 5 + OPTIONS.per_host_concurrency, site.page_fetches()
    finally:
        await crawler.close()
    await asyncio.sleep(0)


@pytest.mark.browser
async def test_a_checkpoint_saved_while_a_page_is_measured_fetches_that_page_again(
    crawler: Crawler, demo_server: Server
) -> None:
    """The browser measures a page for 3 s after its load; a crawl resumed from a checkpoint
    saved meanwhile must not lose that measurement (here: the slow hero's LCP)."""
    options = CrawlOptions(
        max_pages=200, render="browser", allowed_private=ALLOWED, tls_insecure_hosts=TLS_INSECURE
    )
    slow = demo_server.origin + "/rules/lcp-slow"
    at_slow: list[CrawlState] = []
    done_at_slow: list[int] = []

    async def save(state: CrawlState) -> None:
        if done_at_slow and not at_slow:
            at_slow.append(load_state(dump_state(state)) or state)

    async def stop_after_slow(progress: CrawlProgress) -> None:
        if progress.url == slow:
            done_at_slow.append(progress.pages_done)
        elif at_slow:
            raise Stop

    with pytest.raises(Stop):
        await crawler.crawl(
            demo_server.origin + "/",
            options,
            stop_after_slow,
            on_checkpoint=save,
            checkpoints=CheckpointClock(1, 60.0),
        )
    state = at_slow[0]
    assert slow not in {o.url for o in state.outcomes}, "saved as not measured yet"
    assert slow in {q.key for q in state.queue}, "so it is fetched again"
    resumed = await crawler.crawl(demo_server.origin + "/", options, _ignore, resume=state)
    assert resumed.stopped_reason == "completed"
    assert [i.evidence for i in resumed.issues if i.rule == "lcp_slow" and i.url == slow] != []
