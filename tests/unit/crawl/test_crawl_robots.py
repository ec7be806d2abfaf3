"""robots.txt decisions per RFC 9309 and the robots.txt linter."""

from __future__ import annotations

import pytest

from seojobs.crawl.robots import RobotsPolicy, lint_robots

UA = "seojobs-crawler/0.1"
BODY = """User-agent: *
Disallow: /private/
Allow: /private/open
Crawl-delay: 3

User-agent: seojobs-crawler
Disallow: /not-for-us
Crawl-delay: 1
Sitemap: https://h.example/sitemap.xml
"""


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (200, True),
        (404, True),
        (403, True),
        (410, True),
        (500, False),
        (503, False),
        (429, False),
        (None, False),
    ],
)
def test_status_decides_when_there_is_nothing_to_parse(status: int | None, allowed: bool) -> None:
    policy = RobotsPolicy.from_response("https://h.example/robots.txt", status, "")
    assert policy.can_fetch("https://h.example/anything", UA) is allowed


def test_the_most_specific_group_applies() -> None:
    policy = RobotsPolicy.from_response("https://h.example/robots.txt", 200, BODY)
    assert not policy.can_fetch("https://h.example/not-for-us", UA)
    assert policy.can_fetch("https://h.example/private/x", UA)  # our group replaces "*"
    assert not policy.can_fetch("https://h.example/private/x", "otherbot/1.0")
    assert policy.can_fetch("https://h.example/private/open", "otherbot/1.0")
    assert policy.crawl_delay(UA) == 1.0
    assert policy.sitemaps() == ("https://h.example/sitemap.xml",)


def test_5xx_has_no_crawl_delay_or_sitemaps() -> None:
    policy = RobotsPolicy.from_response("https://h.example/robots.txt", 503, BODY)
    assert policy.crawl_delay(UA) is None
    assert policy.sitemaps() == ()
    assert policy.facts().status == 503


def test_lint_finds_unknown_directives_and_bad_sitemaps() -> None:
    unknown, sitemaps = lint_robots(
        "User-agent: *\nDisalow: /x\nNoindex: /y\n# comment\nSitemap: /relative.xml\n"
        "Sitemap: https://ok.example/s.xml\njunk line\n"
    )
    assert unknown == ("Disalow", "Noindex", "junk line")
    assert sitemaps == ("/relative.xml",)
    assert lint_robots(BODY) == ((), ())
