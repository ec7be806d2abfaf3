"""Site-wide rules: links to other URLs, duplicates, canonicals, hreflang, sitemap, robots."""

from __future__ import annotations

from seojobs.domain.seo import (
    PageFacts,
    RobotsFacts,
    RuleThresholds,
    SiteFacts,
    UrlOutcome,
    analyze_site,
)
from tests.unit.crawl.seo_fixtures import ORIGIN, facts, page_html

T = RuleThresholds()


def ok(path: str, html: str | None = None, **kwargs: object) -> UrlOutcome:
    page: PageFacts = facts(
        html
        if html is not None
        else page_html(
            path=path,
            text=f"text {path} " + " ".join(f"{path}{i}" for i in range(250)),
            title=f"Title of the demo page at {path} here",
            description=f"Description of {path} " + "d" * 60,
        ),
        path=path,
        **kwargs,  # type: ignore[arg-type]
    )
    return UrlOutcome(ORIGIN + path, 200, final_status=200, facts=page)


def site(*outcomes: UrlOutcome, **kwargs: object) -> set[tuple[str, str]]:
    facts_ = SiteFacts(base_url=ORIGIN + "/", outcomes={o.url: o for o in outcomes}, **kwargs)  # type: ignore[arg-type]
    return {(f.rule, f.url.removeprefix(ORIGIN)) for f in analyze_site(facts_, T)}


def linking(path: str, *targets: str) -> UrlOutcome:
    body = " ".join(f'<a href="{t}">Link to {t}</a>' for t in targets)
    return ok(
        path,
        page_html(
            path=path,
            body=body,
            title=f"Page {path} with some links to other pages",
            text=" ".join(f"{path}{i}" for i in range(250)),
        ),
    )


def test_clean_site_has_no_findings() -> None:
    assert site(linking("/", "/a"), ok("/a")) == set()


def test_status_rules() -> None:
    found = site(
        linking("/", "/gone", "/boom", "/moved", "/chain", "/loop", "/dead"),
        UrlOutcome(ORIGIN + "/gone", 404),
        UrlOutcome(ORIGIN + "/boom", 500),
        UrlOutcome(ORIGIN + "/moved", 301, (ORIGIN + "/",), final_status=200),
        UrlOutcome(ORIGIN + "/chain", 301, (ORIGIN + "/c2", ORIGIN + "/"), final_status=200),
        UrlOutcome(ORIGIN + "/loop", 302, (ORIGIN + "/l2", ORIGIN + "/loop"), loop=True),
        UrlOutcome(ORIGIN + "/dead", None, error="connection refused"),
    )
    assert found == {
        ("http_error", "/gone"),
        ("http_error", "/boom"),
        ("broken_link", "/"),
        ("link_to_redirect", "/"),
        ("redirect_chain", "/chain"),
        ("redirect_loop", "/loop"),
    }


def test_one_redirect_is_not_a_chain() -> None:
    found = site(UrlOutcome(ORIGIN + "/moved", 301, (ORIGIN + "/",), final_status=200))
    assert found == set()


def test_blocked_by_robots_is_reported_on_the_linking_page() -> None:
    found = site(linking("/", "/private/x"), robots_disallowed=frozenset({ORIGIN + "/private/x"}))
    assert found == {("blocked_by_robots", "/")}


def test_duplicates_only_among_indexable_pages() -> None:
    same = page_html(path="/a")
    dup_b = same.replace(f"{ORIGIN}/a", f"{ORIGIN}/b")
    found = site(ok("/a", same), ok("/b", dup_b))
    assert found == {
        (r, p)
        for r in ("title_duplicate", "meta_description_duplicate", "duplicate_content")
        for p in ("/a", "/b")
    }
    noindex_b = dup_b.replace("<head>", '<head><meta name="robots" content="noindex">')
    assert site(ok("/a", same), ok("/b", noindex_b)) == {("noindex", "/b")}


def test_canonical_target_bad() -> None:
    html = page_html(path="/a", canonical=ORIGIN + "/moved")
    found = site(ok("/a", html), UrlOutcome(ORIGIN + "/moved", 301, (ORIGIN + "/",), final_status=200))
    assert ("canonical_target_bad", "/a") in found
    good = page_html(path="/a", canonical=ORIGIN + "/b")
    assert ("canonical_target_bad", "/a") not in site(ok("/a", good), ok("/b"))
    noindex = page_html(path="/b", head='<meta name="robots" content="noindex">')
    assert ("canonical_target_bad", "/a") in site(ok("/a", good), ok("/b", noindex))


def test_hreflang_return_links() -> None:
    def alt(path: str, *pairs: tuple[str, str]) -> UrlOutcome:
        head = "".join(f'<link rel="alternate" hreflang="{lang}" href="{ORIGIN}{p}">' for lang, p in pairs)
        return ok(
            path,
            page_html(
                path=path,
                head=head,
                title=f"Hreflang page {path} title",
                text=" ".join(f"{path}{i}" for i in range(250)),
            ),
        )

    en_de = alt("/en", ("en", "/en"), ("de", "/de"))
    assert ("hreflang_no_return", "/en") in site(en_de, alt("/de"))
    assert ("hreflang_no_return", "/en") not in site(en_de, alt("/de", ("en", "/en")))


def test_sitemap_rules() -> None:
    noindex = page_html(path="/n", head='<meta name="robots" content="noindex">')
    outcomes = (
        linking("/", "/n"),
        ok("/lonely"),
        ok("/n", noindex),
        UrlOutcome(ORIGIN + "/moved", 301, (ORIGIN + "/",), final_status=200),
    )
    sitemap = tuple(ORIGIN + p for p in ("/", "/lonely", "/n", "/moved"))
    found = site(*outcomes, sitemap_urls=sitemap)
    assert {f for f in found if f[0] in ("orphan_page", "sitemap_non_indexable")} == {
        ("orphan_page", "/lonely"),
        ("orphan_page", "/moved"),
        ("sitemap_non_indexable", "/n"),
        ("sitemap_non_indexable", "/moved"),
    }
    partial = site(*outcomes, sitemap_urls=sitemap, complete=False)
    assert not any(rule == "orphan_page" for rule, _ in partial)


def test_robots_txt_invalid() -> None:
    robots = ORIGIN + "/robots.txt"
    assert site(robots=RobotsFacts(robots, 200)) == set()
    assert site(robots=RobotsFacts(robots, 404)) == set()
    assert site(robots=RobotsFacts(robots, 503)) == {("robots_txt_invalid", "/robots.txt")}
    assert site(robots=RobotsFacts(robots, 200, unknown_directives=("Noindex",))) == {
        ("robots_txt_invalid", "/robots.txt")
    }
    assert site(robots=RobotsFacts(robots, 200, invalid_sitemaps=("/s.xml",))) == {
        ("robots_txt_invalid", "/robots.txt")
    }
