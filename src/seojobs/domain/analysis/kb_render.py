"""Offline advice for the crawler's v2 rules: JavaScript SEO, page experience, structured data."""

from __future__ import annotations

from typing import Final

from seojobs.domain.analysis.kb_entry import KnowledgeEntry as K

_JSON_LD = (
    '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Product", '
    '"name": "Steel trowel", "offers": {"@type": "Offer", "price": "12.00", '
    '"priceCurrency": "EUR"}}</script>'
)

#: Knowledge entries for what only a browser sees (the raw HTML against the rendered DOM).
JAVASCRIPT_ENTRIES: Final[tuple[K, ...]] = (
    K(
        "title_changed_by_js",
        "JavaScript adds, removes or rewrites the page title after load.",
        "Search engines may index the raw title before rendering, or the rendered one later, so "
        "the headline in results is unpredictable.",
        "low",
        (
            "Compare the raw and rendered title in the evidence.",
            "Render the final title on the server, in the HTML response.",
            "Keep scripts from touching document.title on indexable pages.",
        ),
        "<title>Seasonal offers | Example Store</title>",
    ),
    K(
        "canonical_changed_by_js",
        "JavaScript adds, removes or changes the canonical link.",
        "Conflicting canonicals in the raw and rendered page make search engines guess which URL "
        "to index, and they may ignore both.",
        "medium",
        (
            "Decide the one canonical URL of each flagged page.",
            "Emit it in the server's HTML and remove the script (or tag manager rule) that rewrites it.",
        ),
        '<link rel="canonical" href="https://www.example.com/shoes/">',
    ),
    K(
        "robots_meta_changed_by_js",
        "JavaScript changes the meta robots directives after load.",
        "A noindex added by a script removes the page from search once it is rendered; one removed "
        "by a script may not be seen at all, as the raw noindex already applied.",
        "low",
        (
            "Check the raw and rendered directives in the evidence.",
            "Put the intended robots meta in the server's HTML and stop scripts from editing it.",
        ),
        '<meta name="robots" content="index, follow">',
    ),
    K(
        "links_only_after_render",
        "Internal links appear only after JavaScript ran.",
        "Crawlers that do not render, and rendering queues that run late, miss those links, so the "
        "pages behind them are found slowly or never.",
        "medium",
        (
            "List the links the evidence names and the component that inserts them.",
            "Render those links as <a href> elements in the server's HTML.",
            "Keep client-side navigation, but on top of real links.",
        ),
        '<a href="/guides/seasonal-planting">Seasonal planting guide</a>',
    ),
    K(
        "js_error",
        "Pages throw an uncaught JavaScript exception while loading.",
        "A failing script can leave content, links or structured data unrendered for visitors and "
        "for search engines that render.",
        "medium",
        (
            "Reproduce the error from the evidence in the browser console.",
            "Fix or guard the failing call (undefined objects, missing third-party scripts).",
            "Add error monitoring so new exceptions are seen before a crawl finds them.",
        ),
        None,
    ),
)

#: Knowledge entries for page experience and resources.
EXPERIENCE_ENTRIES: Final[tuple[K, ...]] = (
    K(
        "lcp_slow",
        "Largest Contentful Paint is slower than 2.5 seconds.",
        "LCP is a Core Web Vital: a slow main image or heading hurts rankings and makes visitors "
        "leave before the page shows.",
        "medium",
        (
            "Find the LCP element in the evidence (often the hero image).",
            "Serve it fast: compress it, size it, preload it, and do not lazy-load it.",
            "Cut what delays it: render-blocking CSS/JS and slow server responses.",
        ),
        '<link rel="preload" as="image" href="/img/hero.avif">',
    ),
    K(
        "cls_high",
        "The layout shifts by more than 0.1 (Cumulative Layout Shift) while loading.",
        "CLS is a Core Web Vital: content that jumps makes visitors misclick and lose their place.",
        "medium",
        (
            "Find what moves: late banners, images and embeds without reserved space, web fonts.",
            "Reserve the space (width/height, aspect-ratio, min-height) before the content arrives.",
            "Insert late content below what the visitor sees, never above it.",
        ),
        '<div style="min-height: 400px"><!-- banner slot --></div>',
    ),
    K(
        "dom_too_large",
        "The rendered DOM has more than 1,500 elements.",
        "Large DOMs slow down rendering, style recalculation and interaction, above all on phones.",
        "high",
        (
            "Find the repeated markup (long lists, mega menus, hidden tabs).",
            "Paginate or virtualise long lists and load hidden content on demand.",
            "Flatten needless wrapper elements in the templates.",
        ),
        None,
    ),
    K(
        "broken_resource",
        "An image, script or stylesheet of the site's own host answers an error.",
        "Missing scripts and styles break the page for visitors and renderers; missing images leave "
        "holes and waste requests.",
        "low",
        (
            "List each broken resource URL and the pages that use it.",
            "Restore the file, or fix the reference in the template to the right path.",
            "Remove references to resources that are gone for good.",
        ),
        '<link rel="stylesheet" href="/assets/site.css">',
    ),
    K(
        "img_missing_dimensions",
        "Images lack width and height attributes.",
        "Without dimensions the browser cannot reserve space, so the layout shifts when the image "
        "arrives (CLS).",
        "low",
        (
            "Add width and height attributes with the image's intrinsic size to every img.",
            "Let CSS scale it (max-width: 100%; height: auto) so it stays responsive.",
        ),
        '<img src="/img/trail-shoe.jpg" width="800" height="600" alt="Blue trail shoe">',
    ),
)

#: Knowledge entries for indexing signals, markup and structured data.
MARKUP_ENTRIES: Final[tuple[K, ...]] = (
    K(
        "soft_404",
        "Pages answer 200 but say they do not exist (a soft 404).",
        "Search engines treat them as errors anyway, waste crawl budget on them and may drop them "
        "with a soft-404 warning; real pages that look like this lose rankings.",
        "low",
        (
            "Make missing content answer 404 (or 410), with the error page as the body.",
            "If the page is real, change the title and heading that read like an error.",
        ),
        "# nginx: a missing product answers 404\nlocation @missing { return 404; }",
    ),
    K(
        "structured_data_invalid",
        "A JSON-LD block is not valid JSON or names no @type.",
        "Search engines ignore structured data they cannot parse, so the page loses rich results.",
        "low",
        (
            "Validate each flagged block (trailing commas, quotes, unescaped characters).",
            "Give every item an @type from schema.org.",
            "Generate JSON-LD with a JSON serializer instead of string templates.",
        ),
        _JSON_LD,
    ),
    K(
        "structured_data_incomplete",
        "A JSON-LD Product, Article or BreadcrumbList lacks a required property.",
        "Items missing required properties are not eligible for rich results (prices, ratings, "
        "article dates, breadcrumbs).",
        "medium",
        (
            "Read which property the evidence names as missing.",
            "Products: name and one of offers, review or aggregateRating; articles: headline and "
            "datePublished; breadcrumbs: a non-empty itemListElement.",
            "Fill them from the page's own data in the template.",
        ),
        _JSON_LD,
    ),
    K(
        "meta_refresh",
        'Pages use a <meta http-equiv="refresh"> tag.',
        "Refresh redirects are slow, confuse users and pass signals less reliably than a 301.",
        "low",
        (
            "Replace redirecting meta refreshes with a server-side 301.",
            "Remove refreshes that only reload the page; update content with scripts instead.",
        ),
        "# nginx\nlocation = /old { return 301 /new; }",
    ),
    K(
        "nofollow_internal_link",
        'Internal links carry rel="nofollow".',
        "Nofollow on your own links stops link signals and can keep pages from being crawled.",
        "low",
        (
            "Remove nofollow from internal links in templates and content.",
            "Use robots.txt or noindex for pages that must stay out, not nofollow links.",
        ),
        '<a href="/contact">Contact us</a>',
    ),
    K(
        "og_tags_missing",
        "Indexable pages lack og:title or og:image.",
        "Shared links then show a bare URL or a random image, which lowers clicks from social "
        "networks and chat apps.",
        "low",
        ("Add og:title and og:image (an absolute URL) to the head of every indexable template.",),
        '<meta property="og:title" content="Trail running shoes">\n'
        '<meta property="og:image" content="https://www.example.com/img/trail.jpg">',
    ),
    K(
        "heading_order_skipped",
        "Headings skip a level (an h1 followed by an h3).",
        "A broken outline makes the page harder to navigate with a screen reader and blurs its "
        "structure for search engines.",
        "low",
        (
            "Use heading levels in order: h2 under h1, h3 under h2.",
            "Style headings with CSS instead of picking a level for its size.",
        ),
        "<h1>Soil</h1>\n<h2>Soil types</h2>\n<h3>Clay</h3>",
    ),
)

#: Every v2 knowledge entry.
RENDER_ENTRIES: Final[tuple[K, ...]] = (*JAVASCRIPT_ENTRIES, *EXPERIENCE_ENTRIES, *MARKUP_ENTRIES)
