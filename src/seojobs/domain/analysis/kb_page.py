"""Offline advice for the on-page and site rules: titles, descriptions, headings, content, speed."""

from __future__ import annotations

from typing import Final

from seojobs.domain.analysis.kb_entry import KnowledgeEntry as K

_TITLE = "<title>Running Shoes for Trail and Road | Example Store</title>"
_DESCRIPTION = (
    '<meta name="description" content="Compare 120 running shoes for trail and road, '
    'with free returns and next-day delivery.">'
)

#: Knowledge entries for the on-page, content, performance and site-structure rules.
PAGE_ENTRIES: Final[tuple[K, ...]] = (
    K(
        "title_missing",
        "Pages have no <title> element, or an empty one.",
        "The title is the main headline in search results; without it search engines make one up.",
        "low",
        (
            "Add a unique <title> in the head of every page template.",
            "Lead with the page's main topic and end with the brand.",
        ),
        _TITLE,
    ),
    K(
        "title_multiple",
        "Pages have more than one <title> element.",
        "Search engines may pick the wrong title, so the result shows an unintended headline.",
        "low",
        (
            "Find the templates or plugins that each add a title.",
            "Keep one <title> in the head and remove the others.",
        ),
        _TITLE,
    ),
    K(
        "title_too_short",
        "Titles are too short to describe the page.",
        "A short title misses keywords and gives searchers little reason to click.",
        "low",
        ("Expand each title to name the page's topic and what sets it apart (30-60 characters).",),
        _TITLE,
    ),
    K(
        "title_too_long",
        "Titles are longer than search results display.",
        "Long titles are truncated in results, hiding the words that earn the click.",
        "low",
        (
            "Shorten titles to about 60 characters (under 600 pixels).",
            "Put the most important words first; drop filler and repeated brand names.",
        ),
        _TITLE,
    ),
    K(
        "title_duplicate",
        "Several pages share the same title.",
        "Duplicate titles make pages compete with each other and hide what each one offers.",
        "medium",
        (
            "Group the pages sharing a title; merge them if they are the same content.",
            "Otherwise generate titles from each page's distinct data (product name, category, city).",
        ),
        _TITLE,
    ),
    K(
        "meta_description_missing",
        "Pages have no meta description.",
        "Search engines then pick a random snippet, which often lowers the click-through rate.",
        "low",
        (
            "Write a unique description of 70-155 characters for each important page.",
            "Generate descriptions from page data for large templated sections.",
        ),
        _DESCRIPTION,
    ),
    K(
        "meta_description_multiple",
        "Pages have more than one meta description.",
        "Conflicting descriptions make the snippet unpredictable.",
        "low",
        ("Keep one meta description in the head and remove the duplicates (often a plugin's).",),
        _DESCRIPTION,
    ),
    K(
        "meta_description_too_short",
        "Meta descriptions are too short to inform a searcher.",
        "A thin snippet gives searchers little reason to choose the result.",
        "low",
        ("Expand each description to 70-155 characters with the page's benefit and a call to act.",),
        _DESCRIPTION,
    ),
    K(
        "meta_description_too_long",
        "Meta descriptions exceed what results display.",
        "Long descriptions are cut off mid-sentence in search results.",
        "low",
        ("Trim descriptions to about 155 characters, keeping the key message first.",),
        _DESCRIPTION,
    ),
    K(
        "meta_description_duplicate",
        "Several pages share the same meta description.",
        "Identical snippets make different pages look the same in results and lower clicks.",
        "medium",
        ("Write or generate a distinct description for each page from its own content.",),
        _DESCRIPTION,
    ),
    K(
        "h1_missing",
        "Pages have no <h1> heading.",
        "The h1 states the page's topic to users and search engines; without it relevance is weaker.",
        "low",
        ("Add one <h1> that states the page's main topic near the top of the content.",),
        "<h1>Running shoes for trail and road</h1>",
    ),
    K(
        "h1_multiple",
        "Pages have more than one <h1> heading.",
        "Several h1 headings blur the page's main topic.",
        "low",
        (
            "Keep one <h1> for the main topic and turn the others into <h2>/<h3>.",
            "Check that logos and widgets in the template do not use h1.",
        ),
        "<h1>Running shoes</h1>\n<h2>Trail running shoes</h2>",
    ),
    K(
        "h1_too_long",
        "h1 headings are very long.",
        "A long h1 dilutes the main topic and reads poorly.",
        "low",
        (
            "Shorten the h1 to a clear statement of the topic (under about 70 characters).",
            "Move the detail into the first paragraph.",
        ),
        "<h1>Trail running shoes</h1>",
    ),
    K(
        "img_alt_missing",
        "Images have no alt attribute.",
        "Alt text lets images rank in image search and is required for screen-reader users.",
        "low",
        (
            "Add an alt text describing each meaningful image.",
            'Use alt="" for purely decorative images so screen readers skip them.',
        ),
        '<img src="/img/trail-shoe.jpg" alt="Blue trail running shoe, side view">',
    ),
    K(
        "html_lang_missing",
        "The <html> element has no lang attribute.",
        "The language attribute helps search engines serve the page to the right audience and "
        "screen readers to pronounce it.",
        "low",
        ("Set lang on the <html> element of every template to the page's language.",),
        '<html lang="en">',
    ),
    K(
        "viewport_missing",
        "Pages have no viewport meta tag.",
        "Without it, mobile browsers render a zoomed-out desktop page; mobile-first indexing "
        "judges the site by that.",
        "low",
        (
            "Add the viewport meta tag to the head of every template.",
            "Check the layout on a phone after adding it.",
        ),
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
    ),
    K(
        "thin_content",
        "Pages have very little main content.",
        "Thin pages rarely rank and can lower how search engines judge the whole site.",
        "high",
        (
            "Decide for each thin page whether it deserves to exist.",
            "Expand useful pages with content that answers the visitor's question.",
            "Merge near-empty pages into stronger ones, or noindex them (tag and filter pages).",
        ),
        None,
    ),
    K(
        "duplicate_content",
        "Pages have the same or nearly the same content.",
        "Duplicates split ranking signals and the search engine may rank the wrong version.",
        "medium",
        (
            "Choose the preferred URL for each set of duplicates.",
            "301-redirect or canonicalise the others to it.",
            "Remove URL parameters and paths that create copies (sorting, session ids).",
        ),
        '<link rel="canonical" href="https://www.example.com/shoes/">',
    ),
    K(
        "mixed_content",
        "HTTPS pages load resources over plain HTTP.",
        "Browsers block or flag mixed content, which breaks pages and undermines trust.",
        "low",
        (
            "Switch every resource URL to https:// (or a relative URL).",
            "Add the Content-Security-Policy upgrade-insecure-requests directive as a safety net.",
        ),
        '<img src="https://cdn.example.com/logo.png" alt="Example Store">',
    ),
    K(
        "slow_response",
        "Pages take long to answer (slow server response time).",
        "Slow responses hurt Core Web Vitals and conversions and reduce how much gets crawled.",
        "high",
        (
            "Measure the time to first byte per template and find the slowest.",
            "Cache rendered pages or fragments, and add a CDN for static assets.",
            "Fix slow database queries and external calls on the critical path.",
        ),
        None,
    ),
    K(
        "page_too_heavy",
        "Pages are very large in bytes.",
        "Heavy pages load slowly on mobile networks and hurt Largest Contentful Paint.",
        "medium",
        (
            "Compress responses (gzip or brotli) and images (WebP/AVIF).",
            "Remove unused JavaScript and CSS; lazy-load below-the-fold images.",
        ),
        '<img src="/img/hero.avif" width="1200" height="600" loading="lazy" alt="Store front">',
    ),
    K(
        "orphan_page",
        "Sitemap URLs that no crawled page links to.",
        "Orphan pages are hard for crawlers to find and receive no internal link equity.",
        "medium",
        (
            "Decide whether each orphan page is still needed.",
            "Link the needed ones from relevant category pages, navigation or related content.",
            "Redirect or remove the obsolete ones and drop them from the sitemap.",
        ),
        '<a href="/guides/shoe-sizing/">Shoe sizing guide</a>',
    ),
    K(
        "sitemap_non_indexable",
        "The XML sitemap lists URLs that are not indexable.",
        "Sitemaps should list only canonical 200 pages; others waste crawl budget and trust.",
        "low",
        (
            "Generate the sitemap only from indexable, canonical URLs that answer 200.",
            "Remove redirected, noindexed, blocked and error URLs from it.",
        ),
        "<url><loc>https://www.example.com/shoes/</loc></url>",
    ),
)
