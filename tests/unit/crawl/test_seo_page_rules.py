"""Every per-page rule fires on its defect and stays quiet on a clean page."""

from __future__ import annotations

import pytest

from seojobs.domain.seo import RULES, RuleThresholds, check_page
from tests.unit.crawl.seo_fixtures import ORIGIN, facts, page_html

T = RuleThresholds()


def rules_of(html: str, **kwargs: object) -> set[str]:
    return {f.rule for f in check_page(facts(html, **kwargs), T)}  # type: ignore[arg-type]


def test_a_clean_page_breaks_no_rule() -> None:
    assert rules_of(page_html()) == set()


@pytest.mark.parametrize(
    ("html", "rule"),
    [
        (page_html(title=None), "title_missing"),
        (page_html(title="   "), "title_missing"),
        (page_html(head="<title>Another good title for this page</title>"), "title_multiple"),
        (page_html(title="Short one"), "title_too_short"),
        (page_html(title="x" * 61), "title_too_long"),
        (page_html(description=None), "meta_description_missing"),
        (page_html(description=""), "meta_description_missing"),
        (page_html(head='<meta name="description" content="second">'), "meta_description_multiple"),
        (page_html(description="Too short"), "meta_description_too_short"),
        (page_html(description="d" * 156), "meta_description_too_long"),
        (page_html(h1=None), "h1_missing"),
        (page_html(body="<h1>Second heading</h1>"), "h1_multiple"),
        (page_html(h1="h" * 71), "h1_too_long"),
        (page_html(body='<img src="/a.png">'), "img_alt_missing"),
        (page_html(lang=None), "html_lang_missing"),
        (page_html(viewport=False), "viewport_missing"),
        (page_html(text="only a few words here"), "thin_content"),
        (page_html(head='<meta name="robots" content="noindex,follow">'), "noindex"),
        (page_html(head='<meta name="googlebot" content="none">'), "noindex"),
        (page_html(canonical=None), "canonical_missing"),
        (page_html(canonical="/p"), "canonical_invalid"),
        (page_html(canonical=ORIGIN + "/"), "canonical_invalid"),
        (page_html(head=f'<link rel="canonical" href="{ORIGIN}/other">'), "canonical_invalid"),
        (page_html(canonical="http://[bad"), "canonical_invalid"),
        (page_html(head=f'<link rel="alternate" hreflang="en_US" href="{ORIGIN}/p">'), "hreflang_invalid"),
        (page_html(head='<link rel="alternate" hreflang="de" href="/de/p">'), "hreflang_invalid"),
        (page_html(body='<a href="javascript:void(0)">Open menu</a>'), "uncrawlable_link"),
        (page_html(body='<a href="">Empty link</a>'), "uncrawlable_link"),
        (page_html(body="<a>No href at all</a>"), "uncrawlable_link"),
        (page_html(body='<a href="/x">Click here</a>'), "generic_link_text"),
        (page_html(body='<a href="/x"> Read more… </a>'), "generic_link_text"),
        (page_html(body='<a href="/x">here</a>'), "generic_link_text"),
    ],
)
def test_rule_fires(html: str, rule: str) -> None:
    assert rule in RULES
    assert rule in rules_of(html)


@pytest.mark.parametrize(
    ("html", "rule"),
    [
        (page_html(title="t" * 30), "title_too_short"),
        (page_html(title="t" * 60), "title_too_long"),
        (page_html(description="d" * 70), "meta_description_too_short"),
        (page_html(description="d" * 155), "meta_description_too_long"),
        (page_html(h1="h" * 70), "h1_too_long"),
        (page_html(body='<img src="/a.png" alt="">'), "img_alt_missing"),
        (page_html(head='<meta name="robots" content="index,follow">'), "noindex"),
        (page_html(canonical=None, head='<meta name="robots" content="noindex">'), "canonical_missing"),
        (
            page_html(
                head=f'<link rel="alternate" hreflang="x-default" href="{ORIGIN}/p">'
                f'<link rel="alternate" hreflang="pt-BR" href="{ORIGIN}/br">'
                f'<link rel="alternate" hreflang="zh-Hant-TW" href="{ORIGIN}/tw">'
                f'<link rel="alternate" hreflang="es-419" href="{ORIGIN}/la">'
            ),
            "hreflang_invalid",
        ),
        (page_html(body='<a href="/x">Here is our catalogue of spades</a>'), "generic_link_text"),
        (page_html(body='<a href="mailto:a@b.c">Mail us</a>'), "uncrawlable_link"),
        (page_html(text=" ".join(["w"] * 200)), "thin_content"),
    ],
)
def test_rule_stays_quiet_at_the_limit(html: str, rule: str) -> None:
    assert rule not in rules_of(html)


def test_main_text_excludes_nav_header_footer() -> None:
    html = page_html(text="one two three", body="<nav>" + "menu " * 300 + "</nav>")
    page = facts(html)
    assert page.words == 5  # "Garden tools" (h1) + "one two three"


def test_x_robots_tag_header_sets_noindex() -> None:
    assert "noindex" in rules_of(page_html(), headers={"X-Robots-Tag": "googlebot: noindex"})
    assert "noindex" in rules_of(page_html(), headers={"x-robots-tag": "none"})
    assert "noindex" not in rules_of(page_html(), headers={"X-Robots-Tag": "nofollow"})


def test_response_rules() -> None:
    assert "slow_response" in rules_of(page_html(), ttfb_ms=601.0)
    assert "slow_response" not in rules_of(page_html(), ttfb_ms=600.0)
    assert "page_too_heavy" in rules_of(page_html(), size=4000 * 1024 + 1)
    assert "page_too_heavy" not in rules_of(page_html(), size=4000 * 1024)


def test_mixed_content_needs_an_https_page_loading_http() -> None:
    html = page_html(body='<img src="http://cdn.example/a.png" alt="a">')
    assert "mixed_content" in rules_of(html)
    assert "mixed_content" in rules_of(page_html(), loaded=("http://cdn.example/x.js",))
    assert "mixed_content" not in rules_of(page_html(body='<img src="/a.png" alt="a">'))
    assert "mixed_content" not in rules_of(html, origin="http://shop.example")


def test_the_root_may_canonicalise_to_itself() -> None:
    html = page_html(canonical=ORIGIN + "/", path="/")
    assert "canonical_invalid" not in rules_of(html, path="/")


def test_only_200_pages_are_judged() -> None:
    assert check_page(facts(page_html(title=None), status=404), T) == []


def test_thresholds_are_configurable() -> None:
    loose = RuleThresholds(title_min_chars=5, generic_link_texts=("catalogue",))
    page = facts(page_html(title="Short one", body='<a href="/x">Catalogue</a>'))
    assert {f.rule for f in check_page(page, loose)} == {"generic_link_text"}
