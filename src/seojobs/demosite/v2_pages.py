"""The pages of the crawler's v2 rules: what only a browser sees, and the markup checks of both
modes, each next to a clean page that comes close without firing."""

from __future__ import annotations

from seojobs.demosite.plan import Planted, clean

#: Behaviours of the v2 pages' assets: a slow hero image, a stylesheet that fails.
V2_ROUTES: dict[str, dict[str, object]] = {
    "/assets/hero-slow.svg": {"delay_ms": 2900, "file": "/assets/hero.svg"},
    "/assets/broken.css": {"status": 500},
}
#: How many leaves the hero image draws: enough bytes per pixel for Chromium to count it as
#: contentful (it ignores low-entropy images, such as a plain rectangle, for LCP).
HERO_LEAVES = 240


def _hero_svg() -> str:
    """A large hero image: a green field of leaves (deterministic)."""
    leaves = "".join(
        f'<circle cx="{(i * 37) % 900}" cy="{(i * 53) % 450}" r="{6 + i % 17}" '
        f'fill="#{(40 + i * 7) % 256:02x}{(120 + i * 3) % 256:02x}{(30 + i * 11) % 256:02x}"/>'
        for i in range(HERO_LEAVES)
    )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="900" height="450">'
        f'<rect width="900" height="450" fill="#4a7c3a"/>{leaves}</svg>\n'
    )


#: The hero image of the LCP pages (the largest contentful paint of the pages that show it).
HERO_SVG = _hero_svg()
_ON_LOAD = "<script>addEventListener('load', () => setTimeout(() => {%s}, 200));</script>"
_BANNER = (
    "const d = document.createElement('div'); d.style.height = '400px'; "
    "d.textContent = 'Spring sale banner'; "
)
_LD = '<script type="application/ld+json">%s</script>'
_PRODUCT = '{"@context": "https://schema.org", "@type": "Product", "name": "Steel trowel"%s}'
_ARTICLE = '{"@context": "https://schema.org", "@type": "Article", "headline": "How to sow lettuce"%s}'


def _browser_pages() -> list[Planted]:
    p = "/rules/"
    return [
        Planted(
            clean(
                p + "js-title",
                "JS title",
                body=("<script>document.title = 'Seasonal offers set by a script - Acme demo';</script>"),
            ),
            browser_rules=("title_changed_by_js",),
        ),
        Planted(
            clean(
                p + "js-text",
                "JS text",
                body=(
                    "<script>document.querySelector('h1').textContent = "
                    "'A heading written by a script at Acme';</script>"
                ),
            )
        ),
        Planted(
            clean(
                p + "js-canonical",
                "JS canonical",
                body=(
                    "<script>document.querySelector('link[rel=canonical]').href = "
                    "'{{origin}}/about';</script>"
                ),
            ),
            browser_rules=("canonical_changed_by_js",),
        ),
        Planted(
            clean(
                p + "js-noindex",
                "JS noindex",
                body=(
                    "<script>const m = document.createElement('meta'); m.name = 'robots'; "
                    "m.content = 'noindex'; document.head.appendChild(m);</script>"
                ),
            ),
            browser_rules=("robots_meta_changed_by_js", "noindex"),
        ),
        Planted(
            clean(p + "js-error", "Script error", body=("<script>plannerWidget.init();</script>")),
            browser_rules=("js_error",),
        ),
        Planted(
            clean(
                p + "js-error-caught",
                "Script error caught",
                body=("<script>try { plannerWidget.init(); } catch (e) { /* optional */ }</script>"),
            )
        ),
        Planted(
            clean(
                p + "lcp-slow",
                "Slow hero",
                lead=('<p><img src="/assets/hero-slow.svg" alt="Garden beds" width="900" height="450"></p>'),
            ),
            browser_rules=("lcp_slow",),
        ),
        Planted(
            clean(
                p + "lcp-fast",
                "Fast hero",
                lead=('<p><img src="/assets/hero.svg" alt="Garden beds" width="900" height="450"></p>'),
            )
        ),
        Planted(
            clean(
                p + "layout-shift",
                "Layout shift",
                body=_ON_LOAD % (_BANNER + "document.querySelector('main').prepend(d);"),
            ),
            browser_rules=("cls_high",),
        ),
        Planted(
            clean(
                p + "layout-reserved",
                "Layout reserved",
                lead='<div id="slot" style="height:400px"></div>',
                body=_ON_LOAD % ("document.getElementById('slot').textContent = 'Spring sale banner';"),
            )
        ),
        Planted(
            clean(p + "dom-large", "Large DOM", body="<p>" + "<span>x</span>" * 1600 + "</p>"),
            browser_rules=("dom_too_large",),
        ),
        Planted(clean(p + "dom-medium", "Medium DOM", body="<p>" + "<span>x</span>" * 1200 + "</p>")),
    ]


def _markup_pages() -> list[Planted]:
    p = "/rules/"
    offers = ', "offers": {"@type": "Offer", "price": "12.00", "priceCurrency": "EUR"}'
    return [
        Planted(
            clean(
                p + "soft-404",
                "Soft 404",
                title="Page not found - Acme Garden Supply demo",
                h1="Sorry about that",
            ),
            ("soft_404",),
        ),
        Planted(
            clean(p + "soft-404-heading", "Missing seedlings", h1="Sorry, this page doesn't exist"),
            ("soft_404",),
        ),
        Planted(clean(p + "lost-and-found", "Lost and found tools")),
        Planted(
            clean(p + "structured-data-invalid", "Structured data invalid", head=_LD % _PRODUCT % ","),
            ("structured_data_invalid",),
        ),
        Planted(
            clean(
                p + "structured-data-untyped",
                "Structured data untyped",
                head=_LD % '{"@context": "https://schema.org", "name": "Acme"}',
            ),
            ("structured_data_invalid",),
        ),
        Planted(
            clean(p + "product-incomplete", "Product incomplete", head=_LD % _PRODUCT % ""),
            ("structured_data_incomplete",),
        ),
        Planted(clean(p + "product-complete", "Product complete", head=_LD % _PRODUCT % offers)),
        Planted(
            clean(p + "article-incomplete", "Article incomplete", head=_LD % _ARTICLE % ""),
            ("structured_data_incomplete",),
        ),
        Planted(
            clean(
                p + "article-complete",
                "Article complete",
                head=_LD % _ARTICLE % ', "datePublished": "2026-03-01"',
            )
        ),
        Planted(
            clean(
                p + "breadcrumb-empty",
                "Breadcrumb empty",
                head=_LD
                % ('{"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": []}'),
            ),
            ("structured_data_incomplete",),
        ),
        Planted(
            clean(
                p + "broken-image",
                "Broken image",
                body=('<p><img src="/assets/missing-photo.png" alt="A photo" width="40" height="30"></p>'),
            ),
            ("broken_resource",),
        ),
        Planted(
            clean(
                p + "broken-image-again",
                "Broken image again",
                body=('<p><img src="/assets/missing-photo.png" alt="A photo" width="40" height="30"></p>'),
            ),
            ("broken_resource",),
        ),
        Planted(
            clean(
                p + "broken-stylesheet",
                "Broken stylesheet",
                head='<link rel="stylesheet" href="/assets/broken.css">',
            ),
            ("broken_resource",),
        ),
        Planted(
            clean(
                p + "img-dimensions-missing",
                "Image dimensions missing",
                body=('<p><img src="/assets/leaf.svg" alt="A leaf" width="16"></p>'),
            ),
            ("img_missing_dimensions",),
        ),
        Planted(
            clean(p + "meta-refresh", "Meta refresh", head='<meta http-equiv="refresh" content="86400">'),
            ("meta_refresh",),
        ),
        Planted(
            clean(
                p + "nofollow-internal",
                "Nofollow internal",
                body=('<p><a href="/contact" rel="nofollow">Write to the shop</a></p>'),
            ),
            ("nofollow_internal_link",),
        ),
        Planted(
            clean(
                p + "nofollow-external",
                "Nofollow external",
                body=(
                    '<p><a href="https://example.com/" rel="nofollow">A partner shop</a> '
                    '<a href="/contact" rel="noopener">Write to the shop</a></p>'
                ),
            )
        ),
        Planted(clean(p + "og-missing", "Open Graph missing", og=False), ("og_tags_missing",)),
        Planted(
            clean(
                p + "og-noindex",
                "Open Graph on a noindex page",
                og=False,
                head='<meta name="robots" content="noindex">',
            ),
            ("noindex",),
        ),
        Planted(
            clean(p + "heading-skip", "Heading skip", body="<h3>Soil types</h3>"), ("heading_order_skipped",)
        ),
        Planted(
            clean(
                p + "heading-outline",
                "Heading outline",
                body=("<h2>Soil</h2><h3>Clay</h3><h4>Heavy clay</h4><h2>Water</h2><h3>Rain</h3>"),
            )
        ),
    ]


def v2_rule_pages() -> list[Planted]:
    """Every v2 page: the planted ones and the clean ones next to them."""
    return _browser_pages() + _markup_pages()
