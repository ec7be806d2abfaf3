"""Offline advice for the rules about crawling and indexing: status, links, robots, canonicals."""

from __future__ import annotations

from typing import Final

from seojobs.domain.analysis.kb_entry import KnowledgeEntry as K

#: Knowledge entries for the crawl and indexing rules.
CRAWL_ENTRIES: Final[tuple[K, ...]] = (
    K(
        "http_error",
        "Pages answer with a 4xx or 5xx status.",
        "Error pages drop out of the index and waste crawl budget; visitors land on dead ends.",
        "medium",
        (
            "Group the failing URLs by status code and by template.",
            "Restore the content, or 301-redirect removed pages to their closest live equivalent.",
            "Fix server errors (5xx) in the application logs before anything else.",
            "Return 410 for content that is gone for good and remove links to it.",
        ),
        "# nginx: a removed page points to its replacement\nlocation = /old-pricing { return 301 /pricing; }",
    ),
    K(
        "broken_link",
        "Links point to URLs that answer with an error.",
        "Broken links leak link equity, stop crawlers reaching pages and frustrate visitors.",
        "low",
        (
            "List each broken target with the pages that link to it.",
            "Update the link to the live URL, or remove it when no replacement exists.",
            "Add a 301 redirect when many pages or external sites link to the old URL.",
        ),
        '<a href="/guides/technical-seo">Technical SEO guide</a>',
    ),
    K(
        "redirect_chain",
        "A redirect leads to another redirect before the final page.",
        "Each hop slows users down and crawlers may stop following long chains, losing equity.",
        "low",
        (
            "Find the final destination of each chain.",
            "Point the first redirect straight at the final URL.",
            "Update internal links to the final URL so no redirect is needed.",
        ),
        "# one hop instead of /a -> /b -> /c\nlocation = /a { return 301 /c; }",
    ),
    K(
        "redirect_loop",
        "Redirects send the URL back to itself and never reach a page.",
        "A loop makes the page unreachable for users and search engines alike.",
        "medium",
        (
            "Trace the redirect rules that fire for the URL (server, CDN, application).",
            "Remove the rule that sends the request back, often an http/https or slash rule.",
            "Check that the URL now answers 200 or a single 301.",
        ),
        None,
    ),
    K(
        "link_to_redirect",
        "Internal links point to URLs that redirect.",
        "Every internal link through a redirect costs a round trip and dilutes link signals.",
        "low",
        (
            "Export the internal links whose target redirects.",
            "Replace each href with the redirect's final URL.",
        ),
        '<a href="https://www.example.com/pricing/">Pricing</a>',
    ),
    K(
        "noindex",
        "Pages carry a noindex directive (meta robots or X-Robots-Tag).",
        "Noindexed pages cannot rank; a stray noindex on key templates removes them from search.",
        "low",
        (
            "Confirm which of these pages should appear in search results.",
            "Remove the noindex meta tag or X-Robots-Tag header from those pages.",
            "Keep noindex only on pages meant to stay out (search results, carts, admin).",
        ),
        '<meta name="robots" content="index, follow">',
    ),
    K(
        "blocked_by_robots",
        "Pages link to internal URLs that robots.txt disallows.",
        "Blocked URLs cannot be crawled, so their content and links are invisible to search.",
        "low",
        (
            "Check which Disallow rule matches each blocked URL.",
            "Narrow or remove rules that block pages meant to rank, and CSS/JS they need.",
            "Stop linking to URLs that are meant to stay blocked.",
            "Test the new robots.txt with a robots tester before deploying.",
        ),
        "User-agent: *\nDisallow: /admin/\nAllow: /\nSitemap: https://www.example.com/sitemap.xml",
    ),
    K(
        "robots_txt_invalid",
        "robots.txt is missing, unreachable or has invalid lines.",
        "Crawlers may ignore a broken robots.txt or stop crawling when it answers 5xx.",
        "low",
        (
            "Serve /robots.txt with status 200 and content type text/plain.",
            "Fix or remove lines that are not User-agent, Allow, Disallow or Sitemap directives.",
            "Declare the sitemap URL in it.",
        ),
        "User-agent: *\nDisallow:\nSitemap: https://www.example.com/sitemap.xml",
    ),
    K(
        "canonical_invalid",
        "The canonical link is malformed, relative or repeated.",
        "Search engines ignore an invalid canonical and choose the canonical URL themselves.",
        "low",
        (
            "Emit exactly one canonical link in the head of each page.",
            "Use an absolute URL with the preferred scheme and host.",
        ),
        '<link rel="canonical" href="https://www.example.com/shoes/running/">',
    ),
    K(
        "canonical_target_bad",
        "The canonical points to a URL that errors, redirects or is noindex.",
        "A canonical to a bad target sends mixed signals; the page may drop out of the index.",
        "low",
        (
            "Point each canonical at a live, indexable URL that answers 200.",
            "Usually the canonical should be the page's own final URL.",
        ),
        '<link rel="canonical" href="https://www.example.com/blog/seo-audit/">',
    ),
    K(
        "canonical_missing",
        "Pages have no canonical link.",
        "Without a canonical, URL variants (parameters, slashes) can split ranking signals.",
        "low",
        (
            "Add a self-referencing canonical in the page template.",
            "Point duplicate variants at the preferred URL.",
        ),
        '<link rel="canonical" href="https://www.example.com/about/">',
    ),
    K(
        "hreflang_invalid",
        "hreflang annotations use invalid language/region codes or URLs.",
        "Invalid hreflang is ignored, so visitors may land on the wrong language version.",
        "medium",
        (
            "Use ISO 639-1 language codes, optionally with an ISO 3166-1 region (en-GB).",
            "Use absolute URLs and add an x-default entry.",
        ),
        '<link rel="alternate" hreflang="en-gb" href="https://www.example.com/uk/">\n'
        '<link rel="alternate" hreflang="x-default" href="https://www.example.com/">',
    ),
    K(
        "hreflang_no_return",
        "An hreflang target does not link back to the page.",
        "Search engines ignore hreflang pairs that are not confirmed in both directions.",
        "medium",
        (
            "For every alternate, add the reciprocal hreflang link on the target page.",
            "Generate the full set of alternates from one source so every page lists all of them.",
        ),
        "<!-- on both /en/ and /de/ -->\n"
        '<link rel="alternate" hreflang="en" href="https://www.example.com/en/">\n'
        '<link rel="alternate" hreflang="de" href="https://www.example.com/de/">',
    ),
    K(
        "uncrawlable_link",
        "Links crawlers cannot follow (javascript: URLs, onclick, no href).",
        "Crawlers only follow <a href> links, so pages reached only this way are not discovered.",
        "medium",
        (
            "Render navigation as <a> elements with a real href.",
            "Keep JavaScript behaviour as a progressive enhancement on top of the link.",
        ),
        '<a href="/products/">Products</a>  <!-- instead of <span onclick="go()"> -->',
    ),
    K(
        "generic_link_text",
        "Links use generic anchor text such as 'click here' or 'read more'.",
        "Descriptive anchor text tells search engines and screen-reader users what the target is.",
        "low",
        ("Rewrite anchors to describe the target page.", "Keep anchors short and specific."),
        '<a href="/pricing/">See our pricing plans</a>',
    ),
)
