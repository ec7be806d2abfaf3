"""Writes the demo site (every rule planted at a known place) and its answer key."""

from __future__ import annotations

import json
from pathlib import Path

from seojobs.demosite.pages import PageSpec, render
from seojobs.demosite.plan import HTTP_NAV, Planted, clean
from seojobs.demosite.v2_pages import HERO_SVG, V2_ROUTES, v2_rule_pages

#: Rules the demo cannot plant, with the reason (the answer key lists them).
NOT_PLANTED: dict[str, str] = {}
#: Findings that only a browser crawl can see (JS-inserted content, sub-resource bytes).
BROWSER_ONLY: frozenset[tuple[str, str]] = frozenset(
    {
        ("page_too_heavy", "/rules/heavy-page"),
        ("title_too_short", "/rules/js-only-target"),
        ("generic_link_text", "/rules/js-generic-link"),
    }
)
ROBOTS_TXT = """User-agent: *
Disallow: /private/
Noindex: /tmp/

Sitemap: {{origin}}/sitemap.xml
"""
SITEMAP_PATHS: tuple[str, ...] = (
    "/",
    "/about",
    "/contact",
    "/blog/",
    "/blog/spring-planting",
    "/products",
    "/rules/",
    "/rules/orphan",
    "/rules/noindex-meta",
    "/old-page",
)
ROUTES: dict[str, dict[str, object]] = {
    "/old-page": {"redirect": "/about", "status": 301},
    "/chain-start": {"redirect": "/chain-middle", "status": 301},
    "/chain-middle": {"redirect": "/chain-end", "status": 302},
    "/loop-a": {"redirect": "/loop-b", "status": 302},
    "/loop-b": {"redirect": "/loop-a", "status": 302},
    "/server-error": {"status": 500},
    "/rules/noindex-header": {"headers": {"X-Robots-Tag": "noindex, nofollow"}},
    "/rules/slow-response": {"delay_ms": 900},
    "/rules/rate-limited": {"alternate_429": True, "retry_after": 1},
    "/assets/big-script.js": {"bytes": 4400 * 1024, "content_type": "text/javascript"},
}
LEAF_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16">'
    '<circle cx="8" cy="8" r="7" fill="green"/></svg>\n'
)
JS_LINK = """<script>document.addEventListener('DOMContentLoaded', () => {
  const a = document.createElement('a'); a.href = '%s'; a.textContent = '%s';
  document.querySelector('main').appendChild(a);
});</script>"""


def _rule_pages() -> list[Planted]:
    p = "/rules/"
    long_title = "A title that goes on and on about garden tools, seeds, soil and the weather"
    long_desc = (
        "This description keeps talking about compost, mulch, seeds, trowels, hoses, "
        "greenhouses, frost, slugs and snails for far longer than any search result "
        "snippet would ever show to a reader."
    )
    dup_desc = (
        "Shared description: two demo pages of Acme Garden Supply carry these exact "
        "same words in their meta description."
    )
    return [
        Planted(clean(p + "title-missing", "Title missing", titles=()), ("title_missing",)),
        Planted(
            clean(
                p + "title-multiple",
                "Title multiple",
                titles=("Title multiple - Acme Garden Supply demo", "A second title for the very same page"),
            ),
            ("title_multiple",),
        ),
        Planted(clean(p + "title-too-short", "Short", title="Short title"), ("title_too_short",)),
        Planted(clean(p + "title-too-long", "Long title", title=long_title), ("title_too_long",)),
        Planted(
            clean(p + "title-duplicate-a", "Title dup A", title="Shared title on two Acme demo pages"),
            ("title_duplicate",),
        ),
        Planted(
            clean(p + "title-duplicate-b", "Title dup B", title="Shared title on two Acme demo pages"),
            ("title_duplicate",),
        ),
        Planted(
            clean(p + "description-missing", "Description missing", descriptions=()),
            ("meta_description_missing",),
        ),
        Planted(
            clean(
                p + "description-multiple",
                "Description multiple",
                descriptions=(
                    "Description multiple: the first of two meta descriptions on this demo page here.",
                    "Description multiple: the second of two meta descriptions on this demo page.",
                ),
            ),
            ("meta_description_multiple",),
        ),
        Planted(
            clean(p + "description-too-short", "Description short", description="Too short."),
            ("meta_description_too_short",),
        ),
        Planted(
            clean(p + "description-too-long", "Description long", description=long_desc),
            ("meta_description_too_long",),
        ),
        Planted(
            clean(p + "description-duplicate-a", "Description dup A", description=dup_desc),
            ("meta_description_duplicate",),
        ),
        Planted(
            clean(p + "description-duplicate-b", "Description dup B", description=dup_desc),
            ("meta_description_duplicate",),
        ),
        Planted(clean(p + "h1-missing", "H1 missing", h1s=()), ("h1_missing",)),
        Planted(
            clean(p + "h1-multiple", "H1 multiple", h1s=("First heading", "Second heading")), ("h1_multiple",)
        ),
        Planted(
            clean(
                p + "h1-too-long",
                "H1 long",
                h1="A heading that rambles on about every tool in the shed, from trowels to wheelbarrows",
            ),
            ("h1_too_long",),
        ),
        Planted(
            clean(
                p + "img-alt-missing",
                "Image alt missing",
                body='<img src="/assets/leaf.svg" width="16" height="16">',
            ),
            ("img_alt_missing",),
        ),
        Planted(clean(p + "lang-missing", "Lang missing", lang=False), ("html_lang_missing",)),
        Planted(clean(p + "viewport-missing", "Viewport missing", viewport=False), ("viewport_missing",)),
        Planted(clean(p + "thin-content", "Thin content", words=60), ("thin_content",)),
        Planted(
            clean(
                p + "duplicate-content-a", "Duplicate content A", seed="dup-content", h1="Duplicated content"
            ),
            ("duplicate_content",),
        ),
        Planted(
            clean(
                p + "duplicate-content-b", "Duplicate content B", seed="dup-content", h1="Duplicated content"
            ),
            ("duplicate_content",),
        ),
        Planted(
            clean(
                p + "generic-link-text", "Generic link text", body='<p><a href="/about">click here</a></p>'
            ),
            ("generic_link_text",),
        ),
        Planted(
            clean(
                p + "uncrawlable-link",
                "Uncrawlable link",
                body='<p><a href="javascript:void(0)">Open the planner</a></p>',
            ),
            ("uncrawlable_link",),
        ),
        Planted(
            clean(p + "noindex-meta", "Noindex meta", head='<meta name="robots" content="noindex, follow">'),
            ("noindex", "sitemap_non_indexable"),
        ),
        Planted(clean(p + "noindex-header", "Noindex header"), ("noindex",)),
        Planted(clean(p + "canonical-missing", "Canonical missing", canonical=None), ("canonical_missing",)),
        Planted(
            clean(p + "canonical-relative", "Canonical relative", canonical="/rules/canonical-relative"),
            ("canonical_invalid",),
        ),
        Planted(
            clean(p + "canonical-to-root", "Canonical to root", canonical="{{origin}}/"),
            ("canonical_invalid",),
        ),
        Planted(
            clean(p + "canonical-target-bad", "Canonical target bad", canonical="{{origin}}/old-page"),
            ("canonical_target_bad",),
        ),
        Planted(
            clean(
                p + "hreflang-invalid",
                "Hreflang invalid",
                head=('<link rel="alternate" hreflang="english" href="{{origin}}/rules/hreflang-invalid">'),
            ),
            ("hreflang_invalid",),
        ),
        Planted(
            clean(
                p + "hreflang-en",
                "Hreflang one way",
                head=(
                    '<link rel="alternate" hreflang="en" href="{{origin}}/rules/hreflang-en">\n'
                    '<link rel="alternate" hreflang="de" href="{{origin}}/rules/hreflang-de">'
                ),
            ),
            ("hreflang_no_return",),
        ),
        Planted(clean(p + "hreflang-de", "Hreflang target")),
        Planted(
            clean(
                p + "redirects",
                "Links to redirects",
                body=(
                    '<p><a href="/old-page">Old page</a> <a href="/chain-start">Chained page</a> '
                    '<a href="/loop-a">Looping page</a></p>'
                ),
            ),
            ("link_to_redirect",),
        ),
        Planted(
            clean(
                p + "broken-links",
                "Broken links",
                body=(
                    '<p><a href="/missing-page">Missing page</a> <a href="/server-error">Failing page</a></p>'
                ),
            ),
            ("broken_link",),
        ),
        Planted(
            clean(
                p + "blocked",
                "Blocked link",
                body=('<p><a href="/private/garden-plans">Private plans</a></p>'),
            ),
            ("blocked_by_robots",),
        ),
        Planted(clean(p + "slow-response", "Slow response"), ("slow_response",)),
        Planted(
            clean(p + "heavy-page", "Heavy page", body=('<script src="/assets/big-script.js"></script>')),
            ("page_too_heavy",),
        ),
        Planted(
            clean(
                p + "js-link",
                "Script link",
                body=JS_LINK % ("/rules/js-only-target", "Seasonal planting guide"),
            ),
            browser_rules=("links_only_after_render",),
        ),
        Planted(clean(p + "js-only-target", "JS target", title="JS only"), ("title_too_short",)),
        Planted(
            clean(p + "js-generic-link", "Script generic link", body=JS_LINK % ("/about", "read more")),
            ("generic_link_text",),
        ),
        Planted(clean(p + "rate-limited", "Rate limited")),
        Planted(clean(p + "orphan", "Orphan page"), ("orphan_page",)),
        # https page, http image: the only page of the https side, linked from the rules hub.
        Planted(
            clean(
                p + "mixed-content",
                "Mixed content",
                nav=HTTP_NAV,
                body=(
                    '<p><img src="{{http_origin}}/assets/leaf.svg" alt="A leaf loaded over plain http" '
                    'width="16" height="16"></p>'
                ),
            ),
            ("mixed_content",),
            https=True,
        ),
    ]


def _site_pages(rule_pages: list[Planted]) -> list[Planted]:
    hub_links = " ".join(
        f'<a href="{r.href}">{r.page.path.rsplit("/", 1)[-1].replace("-", " ")}</a>'
        for r in rule_pages
        if r.page.path not in ("/rules/orphan", "/rules/js-only-target")
    )
    home_extra = (
        '<p><img src="/assets/leaf.svg" alt="A green leaf" width="16" height="16"> '
        '<img src="/assets/leaf.svg" alt="" width="16" height="16">'
        ' <a href="/products/">All products</a> <a href="/products?utm_source=news&amp;'
        'utm_medium=email">Products from the newsletter</a> <a href="/index.html">Start page</a>'
        ' <a href="/#top">Top of the start page</a> <a href="/about#team">Our team</a>'
        ' <a href="/blog/spring-planting">Spring planting</a></p>'
    )
    return [
        Planted(clean("/", "Home", body=home_extra)),
        Planted(clean("/about", "About us")),
        Planted(clean("/contact", "Contact")),
        Planted(
            clean("/blog/", "Blog", body='<p><a href="/blog/spring-planting">Spring planting notes</a></p>')
        ),
        Planted(clean("/blog/spring-planting", "Spring planting")),
        Planted(clean("/products", "Products")),
        Planted(clean("/rules/", "Rule examples", body=f"<p>{hub_links}</p>")),
        Planted(clean("/chain-end", "Chain end")),
        Planted(
            clean(
                "/intl/en",
                "International EN",
                head=(
                    '<link rel="alternate" hreflang="en" href="{{origin}}/intl/en">\n'
                    '<link rel="alternate" hreflang="fr-FR" href="{{origin}}/intl/fr">'
                ),
                body='<p><a href="/intl/fr">Version francaise</a></p>',
            )
        ),
        Planted(
            clean(
                "/intl/fr",
                "International FR",
                head=(
                    '<link rel="alternate" hreflang="en" href="{{origin}}/intl/en">\n'
                    '<link rel="alternate" hreflang="fr-FR" href="{{origin}}/intl/fr">'
                ),
                body='<p><a href="/intl/en">English version</a></p>',
            )
        ),
    ]


#: Findings on URLs that are not pages of their own (status codes, redirects, robots.txt).
URL_FINDINGS: tuple[tuple[str, str], ...] = (
    ("http_error", "/missing-page"),
    ("http_error", "/server-error"),
    ("redirect_chain", "/chain-start"),
    ("redirect_loop", "/loop-a"),
    ("sitemap_non_indexable", "/old-page"),
    ("robots_txt_invalid", "/robots.txt"),
)


def _key_path(path: str) -> str:
    return path.rstrip("/") or "/"


def _check_clean_lengths(page: PageSpec, rules: tuple[str, ...]) -> None:
    # The generator must not plant by accident: clean fields stay inside the default limits.
    if not any(r.startswith("title") for r in rules) and page.titles is None:
        assert 30 <= len(page.title) <= 60, page.title
    if not any(r.startswith("meta_description") for r in rules) and page.descriptions is None:
        assert 70 <= len(page.description) <= 155, page.description


def build_demo_site(out: Path) -> list[tuple[str, str]]:
    """Write the demo site into out and return the answer key's (rule, path) pairs."""
    rule_pages = _rule_pages() + v2_rule_pages()
    planted = _site_pages(rule_pages) + rule_pages
    browser_only = BROWSER_ONLY | {
        (r, _key_path(item.page.path)) for item in planted for r in item.browser_rules
    }
    findings: list[tuple[str, str]] = list(URL_FINDINGS)
    https_paths = {_key_path(item.page.path) for item in planted if item.https}
    routes = {
        **ROUTES,
        **V2_ROUTES,
        **{item.page.path: {"https_only": True} for item in planted if item.https},
    }
    (out / "assets").mkdir(parents=True, exist_ok=True)
    for item in planted:
        _check_clean_lengths(item.page, item.rules)
        rel = item.page.path.strip("/")
        file = out / (rel + "/index.html" if item.page.path.endswith("/") else rel + ".html")
        if item.page.path == "/":
            file = out / "index.html"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(render(item.page))
        findings += [(rule, _key_path(item.page.path)) for rule in (*item.rules, *item.browser_rules)]
    (out / "404.html").write_text("<!doctype html><title>Not found</title><h1>Not found</h1>\n")
    (out / "assets" / "leaf.svg").write_text(LEAF_SVG)
    (out / "assets" / "hero.svg").write_text(HERO_SVG)
    (out / "robots.txt").write_text(ROBOTS_TXT)
    (out / "sitemap.xml").write_text(_sitemap(SITEMAP_PATHS))
    (out / "_routes.json").write_text(json.dumps(routes, indent=2) + "\n")
    key = {
        "description": "Every (rule, path) a full crawl of the demo site must report, no more. "
        "URLs are the origin of the finding's scheme + path, in the crawler's "
        "normalised form: scheme 'http' is the crawled origin, 'https' the demo "
        "server's https side on the same host (--https-port). modes lists the "
        "render modes that report the finding (the key of each mode is the "
        "findings listing it); needs_browser marks those of mode 'browser' only.",
        "base_path": "/",
        "max_pages": 200,
        "findings": [
            {
                "rule": r,
                "path": p,
                "scheme": "https" if p in https_paths else "http",
                "needs_browser": (r, p) in browser_only,
                "modes": ["browser"] if (r, p) in browser_only else ["browser", "http"],
            }
            for r, p in sorted(set(findings), key=lambda f: (f[1], f[0]))
        ],
        "not_planted": [{"rule": r, "reason": why} for r, why in NOT_PLANTED.items()],
    }
    (out / "answer_key.json").write_text(json.dumps(key, indent=2) + "\n")
    return findings


def _sitemap(paths: tuple[str, ...] | list[str]) -> str:
    urls = "\n".join(f"  <url><loc>{{{{origin}}}}{p}</loc></url>" for p in paths)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{urls}\n</urlset>\n"
    )


def build_bench_site(out: Path, pages: int) -> None:
    """Write a clean site of `pages` pages, each linking to a few others, for benchmarks."""
    out.mkdir(parents=True, exist_ok=True)
    paths = ["/"] + [f"/p/{i}" for i in range(1, pages)]
    for i, path in enumerate(paths):
        links = " ".join(
            f'<a href="{paths[(i * 7 + k) % pages]}">Page number {(i * 7 + k) % pages}</a>'
            for k in range(1, 6)
        )
        # Zero-padded: page 404 titled "Bench page 404" would be a soft 404.
        page = clean(path, f"Bench page {i:04d}", nav=(("/", "Home"),), body=f"<p>{links}</p>")
        file = out / ("index.html" if path == "/" else path.strip("/") + ".html")
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(render(page))
    (out / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    (out / "sitemap.xml").write_text(_sitemap(paths))


def main() -> None:
    """Regenerate demo/site from the working directory."""
    build_demo_site(Path("demo/site"))


if __name__ == "__main__":
    main()
