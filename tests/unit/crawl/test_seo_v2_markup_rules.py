"""The v2 rules found in both modes: each fires on its defect and stays quiet on its near miss."""

from __future__ import annotations

import pytest

from seojobs.domain.seo import RULES, Finding, RuleThresholds, SiteFacts, UrlOutcome, analyze_site
from seojobs.domain.seo import check_page as check
from seojobs.domain.seo.categories import BROWSER_ONLY_RULES, CATEGORIES, RULE_CATEGORY
from seojobs.domain.seo.structured_data import incomplete, parse_blocks
from tests.unit.crawl.seo_fixtures import ORIGIN, facts, page_html

T = RuleThresholds()
LD = '<script type="application/ld+json">%s</script>'
OFFERS = '"offers": {"@type": "Offer", "price": "3"}'
PRODUCT_NO_NAME = '{"@type": "Product", ' + OFFERS + "}"
PRODUCT = '{"@type": "Product", "name": "Spade", ' + OFFERS + "}"


def findings(html: str, rule: str, **kwargs: object) -> list[Finding]:
    return [f for f in check(facts(html, **kwargs), T) if f.rule == rule]  # type: ignore[arg-type]


FIRES = [
    (
        page_html(title="Page not found - Garden Shop demo"),
        "soft_404",
        "status 200 but the title says 'Page not found - Garden Shop demo'",
    ),
    (page_html(title="404 - Garden tools shop"), "soft_404", None),
    (
        page_html(h1="Sorry, this page doesn't exist"),
        "soft_404",
        'status 200 but the h1 says "Sorry, this page doesn\'t exist"',
    ),
    (page_html(h1="This PAGE DOES NOT EXIST anymore"), "soft_404", None),
    (page_html(h1="Sorry, this page doesn\u2019t exist"), "soft_404", None),
    (page_html(head=LD % '{"@type": "Product",}'), "structured_data_invalid", None),
    (page_html(head=LD % '{"name": "x"}'), "structured_data_invalid", "block 1: an item without @type"),
    (page_html(head=LD % '[{"@type": "Thing"}, {"name": "x"}]'), "structured_data_invalid", None),
    (page_html(head=LD % "[]"), "structured_data_invalid", None),
    (
        page_html(head=LD % '{"@type": "Product", "name": "Spade"}'),
        "structured_data_incomplete",
        "Product lacks offers, review and aggregateRating",
    ),
    (page_html(head=LD % PRODUCT_NO_NAME), "structured_data_incomplete", "Product lacks name"),
    (
        page_html(head=LD % '{"@type": "BlogPosting", "headline": "x"}'),
        "structured_data_incomplete",
        "BlogPosting lacks datePublished",
    ),
    (
        page_html(head=LD % '{"@type": "NewsArticle"}'),
        "structured_data_incomplete",
        "NewsArticle lacks headline and datePublished",
    ),
    (
        page_html(head=LD % '{"@type": "BreadcrumbList", "itemListElement": []}'),
        "structured_data_incomplete",
        "BreadcrumbList has no itemListElement",
    ),
    (page_html(head=LD % '{"@graph": [{"@type": "BreadcrumbList"}]}'), "structured_data_incomplete", None),
    (
        page_html(body='<img src="/a.png" alt="a" width="10">'),
        "img_missing_dimensions",
        "no width and height: '/a.png'",
    ),
    (page_html(body='<img src="/a.png" alt="a" width="10" height=" ">'), "img_missing_dimensions", None),
    (
        page_html(head='<meta http-equiv="Refresh" content="0; url=/new">'),
        "meta_refresh",
        "meta refresh '0; url=/new'",
    ),
    (
        page_html(body='<a href="/c" rel="nofollow">Contact us</a>'),
        "nofollow_internal_link",
        "rel=nofollow on '/c'",
    ),
    (
        page_html(body=f'<a href="{ORIGIN}/c" rel="noopener NOFOLLOW">Contact us</a>'),
        "nofollow_internal_link",
        None,
    ),
    (page_html(og=False), "og_tags_missing", "no og:title and no og:image"),
    (
        page_html(og=False, head='<meta property="og:title" content="Tools">'),
        "og_tags_missing",
        "no og:image",
    ),
    (
        page_html(
            og=False, head='<meta property="og:title" content="Tools"><meta property="og:image" content="">'
        ),
        "og_tags_missing",
        None,
    ),
    (page_html(body="<h3>Soil</h3>"), "heading_order_skipped", "h1 'Garden tools' then h3 'Soil'"),
    (page_html(body="<h2>Soil</h2><h4>Clay</h4>"), "heading_order_skipped", None),
]


@pytest.mark.parametrize(("html", "rule", "evidence"), FIRES)
def test_rule_fires_with_evidence(html: str, rule: str, evidence: str | None) -> None:
    assert rule in RULES
    [finding] = findings(html, rule)
    assert finding.evidence
    if evidence is not None:
        assert finding.evidence == evidence


NEAR_MISSES = [
    (page_html(title="Lost and found garden tools - Shop"), "soft_404"),
    (page_html(title="Notfound tools and 4040 seeds - Shop"), "soft_404"),
    (page_html(h1="Pages that do not exist yet: our plans"), "soft_404"),
    (page_html(head=LD % PRODUCT), "structured_data_incomplete"),
    (
        page_html(head=LD % '{"@type": "Product", "name": "Spade", "review": {"@type": "Review"}}'),
        "structured_data_incomplete",
    ),
    (
        page_html(head=LD % '{"@type": ["Article"], "headline": "x", "datePublished": "2026-01-01"}'),
        "structured_data_incomplete",
    ),
    (
        page_html(head=LD % '{"@type": "BreadcrumbList", "itemListElement": [{"@type": "ListItem"}]}'),
        "structured_data_incomplete",
    ),
    (
        page_html(head=LD % '{"@type": "https://schema.org/Organization", "name": "Shop"}'),
        "structured_data_invalid",
    ),
    (
        page_html(head=LD % '{"@context": "https://schema.org", "@graph": [{"@type": "WebSite"}]}'),
        "structured_data_invalid",
    ),
    (page_html(body='<img src="/a.png" alt="a" width="10" height="20">'), "img_missing_dimensions"),
    (page_html(head='<meta name="refresh" content="5">'), "meta_refresh"),
    (page_html(body='<a href="https://other.example/" rel="nofollow">Partner</a>'), "nofollow_internal_link"),
    (page_html(body='<a href="/c" rel="noopener">Contact us</a>'), "nofollow_internal_link"),
    (page_html(og=False, head='<meta name="robots" content="noindex">'), "og_tags_missing"),
    (page_html(og=False, canonical=ORIGIN + "/other"), "og_tags_missing"),
    (page_html(body="<h2>Soil</h2><h3>Clay</h3><h4>Heavy</h4><h2>Water</h2>"), "heading_order_skipped"),
    (page_html(body="<h2>Soil</h2><h3>Clay</h3><h2>Water</h2><h3>Rain</h3>"), "heading_order_skipped"),
]


@pytest.mark.parametrize(("html", "rule"), NEAR_MISSES)
def test_rule_stays_quiet_on_the_near_miss(html: str, rule: str) -> None:
    assert findings(html, rule) == []


def test_soft_404_needs_status_200() -> None:
    assert findings(page_html(title="Page not found - Garden Shop demo"), "soft_404", status=404) == []


def test_soft_404_phrases_are_a_threshold() -> None:
    page = facts(page_html(title="Nicht gefunden - Gartenwerkzeug"))
    custom = RuleThresholds(soft_404_phrases=("nicht gefunden",))
    assert [f.rule for f in check(page, custom)] == ["soft_404"]
    assert check(page, T) == []


def test_parse_blocks_reads_graphs_lists_and_reports_each_bad_block() -> None:
    invalid, items = parse_blocks(('{"@graph": [{"@type": "A"}, {"@type": "B"}]}', "{", '[{"@type": "C"}]'))
    assert [i["@type"] for i in items] == ["A", "B", "C"]
    assert invalid == [
        "block 2: not valid JSON (Expecting property name enclosed in double quotes at line 1, column 2)"
    ]
    assert list(incomplete({"@type": "Thing"})) == []


def _resource_site(status: int | None) -> set[tuple[str, str, str]]:
    a = facts(
        page_html(
            path="/a",
            body='<img src="/img/x.png" alt="" width="1" height="1">'
            '<img src="https://cdn.other/y.png" alt="" width="1" height="1">',
        ),
        path="/a",
    )
    b = facts(page_html(path="/b", head='<link rel="stylesheet" href="/img/x.png#v2">'), path="/b")
    outcomes = {p.url: UrlOutcome(p.url, 200, final_status=200, facts=p) for p in (a, b)}
    statuses = {f"{ORIGIN}/img/x.png": status, "https://cdn.other/y.png": 404}
    site = SiteFacts(ORIGIN + "/", outcomes, resource_status=statuses, complete=False)
    return {
        (f.rule, f.url.removeprefix(ORIGIN), f.evidence)
        for f in analyze_site(site, T)
        if f.rule == "broken_resource"
    }


@pytest.mark.parametrize(("status", "reason"), [(404, "HTTP 404"), (503, "HTTP 503"), (None, "no answer")])
def test_a_broken_same_host_resource_is_reported_on_every_page_using_it(
    status: int | None, reason: str
) -> None:
    evidence = f"{ORIGIN}/img/x.png ({reason})"
    assert _resource_site(status) == {
        ("broken_resource", "/a", evidence),
        ("broken_resource", "/b", evidence),
    }


@pytest.mark.parametrize("status", [200, 304])
def test_a_working_resource_and_another_hosts_broken_one_are_not_reported(status: int) -> None:
    assert _resource_site(status) == set()


def test_every_rule_has_a_category_and_browser_only_rules_are_catalogued() -> None:
    assert set(RULE_CATEGORY) == set(RULES)
    assert set(RULE_CATEGORY.values()) == {c for c, _ in CATEGORIES}
    assert set(RULES) >= BROWSER_ONLY_RULES
    assert len(BROWSER_ONLY_RULES) == 8
