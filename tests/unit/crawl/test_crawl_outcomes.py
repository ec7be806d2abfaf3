"""Fetch results become outcomes; options, results and sitemaps."""

from __future__ import annotations

import pytest

from seojobs.crawl.fetching import FetchResult, Hop
from seojobs.crawl.outcomes import to_outcomes
from seojobs.crawl.records import CrawlOptions, CrawlReport, IssueRecord, PageRecord, crawl_result
from seojobs.crawl.sitemap import parse_sitemap
from seojobs.crawl.urls import SiteScope
from seojobs.domain.errors import ValidationFailed

ORIGIN = "https://shop.example"
SCOPE = SiteScope.for_base(ORIGIN + "/")
HTML = "<html><head><title>x</title></head><body><a href='b'>b</a></body></html>"


def test_a_redirect_that_keeps_the_key_is_transparent() -> None:
    result = FetchResult(ORIGIN + "/blog", 200, ORIGIN + "/blog/", (Hop(ORIGIN + "/blog", 301),), html=HTML)
    mapped = to_outcomes(ORIGIN + "/blog", result, SCOPE)
    assert mapped.requested.status == 200 and not mapped.requested.redirected
    assert mapped.final is None
    assert mapped.requested.facts is not None
    assert mapped.requested.facts.links[0].target == ORIGIN + "/blog/b"  # resolved on the real URL


def test_a_chain_records_both_ends() -> None:
    hops = (Hop(ORIGIN + "/a", 301), Hop(ORIGIN + "/b", 302))
    result = FetchResult(ORIGIN + "/a", 200, ORIGIN + "/c", hops, html=HTML)
    mapped = to_outcomes(ORIGIN + "/a", result, SCOPE)
    assert mapped.requested.status == 301
    assert mapped.requested.redirects == (ORIGIN + "/b", ORIGIN + "/c")
    assert mapped.final is not None and mapped.final.url == ORIGIN + "/c"
    assert mapped.final.facts is not None


def test_loop_blocked_and_external_targets() -> None:
    loop = FetchResult(
        ORIGIN + "/l", None, ORIGIN + "/l", (Hop(ORIGIN + "/l", 302), Hop(ORIGIN + "/m", 302)), loop=True
    )
    assert to_outcomes(ORIGIN + "/l", loop, SCOPE).requested.loop
    blocked = FetchResult(
        ORIGIN + "/go",
        None,
        "http://10.0.0.1/",
        (Hop(ORIGIN + "/go", 302),),
        error="blocked: private",
        blocked=True,
    )
    mapped = to_outcomes(ORIGIN + "/go", blocked, SCOPE)
    assert mapped.requested.status == 302 and mapped.final is None
    away = FetchResult(ORIGIN + "/out", 200, "https://else.example/", (Hop(ORIGIN + "/out", 301),), html=HTML)
    assert to_outcomes(ORIGIN + "/out", away, SCOPE).final is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_pages": 0},
        {"max_pages": 1001},
        {"per_host_concurrency": 0},
        {"page_timeout_s": 0},
        {"error_threshold": 1.5},
        {"render": "lynx"},
    ],
)
def test_options_refuse_impossible_values(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValidationFailed):
        CrawlOptions(**kwargs)  # type: ignore[arg-type]


def test_crawl_result_summarises_the_report() -> None:
    report = CrawlReport(
        ORIGIN + "/",
        (PageRecord(ORIGIN + "/", 200, None, 12.0, 100, "t", 5),),
        (
            IssueRecord(ORIGIN + "/", "title_too_short", "low", "1 chars"),
            IssueRecord(ORIGIN + "/", "h1_missing", "medium", "no h1"),
        ),
        "completed",
        1234,
    )
    assert crawl_result(report) == {
        "success": True,
        "pagesAnalyzed": 1,
        "issuesFound": 2,
        "issuesBySeverity": {"high": 0, "medium": 1, "low": 1},
        "issuesByRule": {"h1_missing": 1, "title_too_short": 1},
        "durationMs": 1234,
        "stoppedReason": "completed",
    }


def test_sitemaps_and_indexes_parse_and_junk_is_empty() -> None:
    urlset = parse_sitemap(
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc> https://s.example/a </loc></url></urlset>"
    )
    assert urlset.urls == ("https://s.example/a",) and urlset.children == ()
    index = parse_sitemap(
        b"<sitemapindex><sitemap><loc>https://s.example/2.xml</loc></sitemap></sitemapindex>"
    )
    assert index.children == ("https://s.example/2.xml",) and index.urls == ()
    assert parse_sitemap(b"<<not xml").urls == ()
    assert parse_sitemap(b"").urls == ()
