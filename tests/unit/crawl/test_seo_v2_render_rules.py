"""The browser-only rules: raw HTML against the rendered DOM, script errors, LCP, CLS, DOM size."""

from __future__ import annotations

from dataclasses import replace

import pytest

from seojobs.crawl.fetching import FetchResult
from seojobs.crawl.outcomes import to_outcomes
from seojobs.domain.seo import PageFacts, RuleThresholds, check_page
from seojobs.domain.seo.categories import BROWSER_ONLY_RULES
from seojobs.domain.seo.render_facts import (
    Experience,
    LayoutShift,
    cumulative_layout_shift,
)
from tests.unit.crawl.seo_fixtures import ORIGIN, SCOPE, page_html

T = RuleThresholds()
URL = ORIGIN + "/p"
SCRIPT_LINK = '<a href="/later">Later page</a>'


def rendered(
    raw_html: str, dom_html: str, elements: int = 100, experience: Experience | None = None
) -> PageFacts:
    """The page as browser mode records it: the rendered DOM with the raw HTML beside it."""
    result = FetchResult(URL, 200, URL, html=dom_html, raw_html=raw_html, dom_elements=elements)
    facts = to_outcomes(URL, result, SCOPE).requested.facts
    assert facts is not None
    return replace(facts, experience=experience) if experience is not None else facts


def found(page: PageFacts) -> dict[str, str]:
    return {f.rule: f.evidence for f in check_page(page, T) if f.rule in BROWSER_ONLY_RULES}


CLEAN = page_html()
DIFFS = [
    (
        page_html(title="Garden tools for every season - Shop"),
        page_html(title="Fresh offers set by a script - Shop"),
        "title_changed_by_js",
        "raw title 'Garden tools for every season - Shop', rendered 'Fresh offers set by a script - Shop'",
    ),
    (
        page_html(title=None),
        CLEAN,
        "title_changed_by_js",
        "raw title none, rendered 'Garden tools for every season - Shop'",
    ),
    (page_html(canonical=None), CLEAN, "canonical_changed_by_js", f"raw canonical none, rendered '{URL}'"),
    (
        CLEAN,
        page_html(canonical=ORIGIN + "/other"),
        "canonical_changed_by_js",
        f"raw canonical '{URL}', rendered '{ORIGIN}/other'",
    ),
    (
        CLEAN,
        page_html(head='<meta name="robots" content="noindex">'),
        "robots_meta_changed_by_js",
        "raw meta robots none, rendered 'noindex'",
    ),
    (
        page_html(head='<meta name="robots" content="noindex">'),
        CLEAN,
        "robots_meta_changed_by_js",
        "raw meta robots 'noindex', rendered none",
    ),
    (
        CLEAN,
        page_html(body=SCRIPT_LINK),
        "links_only_after_render",
        f"1 internal link only after rendering, e.g. {ORIGIN}/later",
    ),
    (
        CLEAN,
        page_html(body=SCRIPT_LINK + '<a href="/later2">x</a><a href="/later#top">y</a>'),
        "links_only_after_render",
        f"2 internal links only after rendering, e.g. {ORIGIN}/later",
    ),
]


@pytest.mark.parametrize(("raw", "dom", "rule", "evidence"), DIFFS)
def test_a_change_by_javascript_is_reported_with_both_values(
    raw: str, dom: str, rule: str, evidence: str
) -> None:
    assert found(rendered(raw, dom)) == {rule: evidence}


NEAR_MISSES = [
    (CLEAN, page_html(h1="A heading written by a script")),
    (CLEAN, page_html(body="<p>More text from a script</p>")),
    (page_html(body=SCRIPT_LINK), page_html(body=SCRIPT_LINK + SCRIPT_LINK)),
    (CLEAN, page_html(body='<a href="https://elsewhere.example/">Partner</a>')),
    (CLEAN, page_html(body='<a href="/">The home page again</a>')),
    (
        page_html(head='<meta name="robots" content="index, follow">'),
        page_html(head='<meta name="robots" content="follow,index">'),
    ),
    (CLEAN, page_html(body="<a>A name anchor, no href</a>")),
]


@pytest.mark.parametrize(("raw", "dom"), NEAR_MISSES)
def test_scripts_that_change_other_things_are_not_reported(raw: str, dom: str) -> None:
    assert found(rendered(raw, dom)) == {}


@pytest.mark.parametrize(
    ("experience", "rule", "evidence"),
    [
        (Experience(lcp_ms=3612.4, lcp_target="img /hero.jpg"), "lcp_slow", "LCP 3,612 ms (img /hero.jpg)"),
        (Experience(lcp_ms=2500.5, lcp_target="p"), "lcp_slow", "LCP 2,500 ms (p)"),
        (
            Experience(shifts=(LayoutShift(100, 0.06), LayoutShift(600, 0.05))),
            "cls_high",
            "CLS 0.110 from 2 layout shifts",
        ),
        (
            Experience(js_errors=("ReferenceError: x is not defined", "TypeError: y")),
            "js_error",
            "uncaught: ReferenceError: x is not defined (+1 more)",
        ),
    ],
)
def test_page_experience_rules_fire_with_evidence(experience: Experience, rule: str, evidence: str) -> None:
    assert found(rendered(CLEAN, CLEAN, experience=experience)) == {rule: evidence}


@pytest.mark.parametrize(
    "experience",
    [
        Experience(lcp_ms=2500.0, lcp_target="img /hero.jpg"),
        Experience(lcp_ms=None),
        Experience(shifts=(LayoutShift(100, 0.1),)),
        # Two shifts 1 s apart are two session windows: the larger one counts, not the sum.
        Experience(shifts=(LayoutShift(100, 0.06), LayoutShift(1100, 0.05))),
    ],
)
def test_page_experience_at_the_limits_is_fine(experience: Experience) -> None:
    assert found(rendered(CLEAN, CLEAN, experience=experience)) == {}


def test_dom_size_limit() -> None:
    assert found(rendered(CLEAN, CLEAN, elements=1501)) == {
        "dom_too_large": "1,501 elements in the rendered DOM (limit 1,500)"
    }
    assert found(rendered(CLEAN, CLEAN, elements=1500)) == {}


def test_thresholds_are_settings() -> None:
    strict = RuleThresholds(lcp_slow_ms=1000, cls_high=0.01, dom_max_elements=50)
    page = rendered(
        CLEAN, CLEAN, elements=60, experience=Experience(lcp_ms=1200, shifts=(LayoutShift(10, 0.02),))
    )
    assert {f.rule for f in check_page(page, strict)} == {"lcp_slow", "cls_high", "dom_too_large"}


def test_http_mode_never_reports_a_browser_only_rule() -> None:
    result = FetchResult(URL, 200, URL, html=page_html(title=None, body=SCRIPT_LINK))
    facts = to_outcomes(URL, result, SCOPE).requested.facts
    assert facts is not None and facts.render is None
    assert {f.rule for f in check_page(facts, T)} & BROWSER_ONLY_RULES == set()


@pytest.mark.parametrize(
    ("shifts", "cls"),
    [
        ((), 0.0),
        (((0, 0.05), (900, 0.05), (1800, 0.05)), 0.15),
        (((0, 0.05), (1000, 0.08)), 0.08),
        (
            ((0, 0.02), (900, 0.02), (1800, 0.02), (2700, 0.02), (3600, 0.02), (4500, 0.02), (5400, 0.03)),
            0.12,
        ),
    ],
)
def test_cls_is_the_largest_session_window(shifts: tuple[tuple[float, float], ...], cls: float) -> None:
    value = cumulative_layout_shift(LayoutShift(s, v) for s, v in shifts)
    assert value == pytest.approx(cls)


def test_browser_requests_join_the_pages_sub_resources() -> None:
    result = FetchResult(
        URL,
        200,
        URL,
        html=CLEAN,
        raw_html=CLEAN,
        resource_statuses=((ORIGIN + "/late.js", 404), ("https://cdn.other/x.js", 200)),
    )
    facts = to_outcomes(URL, result, SCOPE).requested.facts
    assert facts is not None and facts.subresources == (ORIGIN + "/late.js",)
