"""The catalogue of rule ids with their severity and a one-line description."""

from __future__ import annotations

from typing import Literal

#: How bad an issue is; the API and the analyzer key on these three values.
Severity = Literal["high", "medium", "low"]

#: Every rule id -> (severity, one-line description).
RULES: dict[str, tuple[Severity, str]] = {
    "http_error": ("high", "A crawled internal URL answers 4xx/5xx."),
    "broken_link": ("high", "A link to an internal URL that answers 4xx/5xx or not at all."),
    "redirect_chain": ("medium", "An internal URL takes two or more redirects to resolve."),
    "redirect_loop": ("high", "An internal URL redirects without ever resolving."),
    "link_to_redirect": ("low", "The page links to an internal URL that redirects."),
    "noindex": ("medium", "Meta robots/googlebot or X-Robots-Tag says noindex or none."),
    "blocked_by_robots": ("medium", "The page links to an internal URL that robots.txt disallows."),
    "robots_txt_invalid": (
        "high",
        "robots.txt answers 5xx, or has an unknown directive or an invalid Sitemap line.",
    ),
    "canonical_invalid": (
        "high",
        "Several canonicals, a relative or unparsable one, or a page canonicalised to root.",
    ),
    "canonical_target_bad": (
        "high",
        "The canonical target answers non-200, redirects or is noindex.",
    ),
    "canonical_missing": ("low", "An indexable page has no canonical link."),
    "hreflang_invalid": ("medium", "An hreflang with an invalid language code or a relative href."),
    "hreflang_no_return": ("medium", "An hreflang alternate does not link back to the page."),
    "uncrawlable_link": ("medium", "A javascript: href, an empty href or an anchor without href."),
    "generic_link_text": ("low", "A link text that says nothing about its target (click here)."),
    "title_missing": ("high", "The page has no title or an empty one."),
    "title_multiple": ("medium", "The page has more than one title."),
    "title_too_short": ("low", "The title is shorter than the minimum."),
    "title_too_long": ("low", "The title is longer than the maximum."),
    "title_duplicate": ("medium", "The same title is on two or more indexable pages."),
    "meta_description_missing": ("medium", "The page has no meta description or an empty one."),
    "meta_description_multiple": ("medium", "The page has more than one meta description."),
    "meta_description_too_short": ("low", "The meta description is shorter than the minimum."),
    "meta_description_too_long": ("low", "The meta description is longer than the maximum."),
    "meta_description_duplicate": (
        "medium",
        "The same meta description is on two or more indexable pages.",
    ),
    "h1_missing": ("medium", "The page has no h1."),
    "h1_multiple": ("low", "The page has more than one h1."),
    "h1_too_long": ("low", "The h1 is longer than the maximum."),
    "img_alt_missing": ("medium", 'An img has no alt attribute (alt="" is fine).'),
    "html_lang_missing": ("low", "The html element has no lang attribute."),
    "viewport_missing": ("medium", "The page has no meta viewport."),
    "thin_content": ("medium", "The main text outside nav/header/footer has too few words."),
    "duplicate_content": ("high", "The same main text is on two or more indexable pages."),
    "mixed_content": ("high", "An https page loads http resources."),
    "slow_response": ("medium", "The time to first byte is above the limit."),
    "page_too_heavy": ("medium", "The page with its sub-resources transfers more than the limit."),
    "orphan_page": ("medium", "A sitemap URL that no crawled page links to."),
    "sitemap_non_indexable": (
        "medium",
        "The sitemap lists a URL that answers non-200, redirects or is noindex.",
    ),
    # Browser mode only: the raw HTML against the rendered DOM, and what the page did.
    "title_changed_by_js": ("medium", "JavaScript adds, removes or changes the title."),
    "canonical_changed_by_js": ("high", "JavaScript adds, removes or changes the canonical."),
    "robots_meta_changed_by_js": ("high", "JavaScript changes the meta robots directives."),
    "links_only_after_render": ("medium", "Internal links exist only after JavaScript ran."),
    "js_error": ("medium", "An uncaught JavaScript exception while the page loads."),
    "lcp_slow": ("medium", "Largest Contentful Paint is above the limit."),
    "cls_high": ("medium", "Cumulative Layout Shift is above the limit."),
    "dom_too_large": ("low", "The rendered DOM has more elements than the limit."),
    # Both modes.
    "soft_404": ("high", "Status 200, but the title or first h1 says the page does not exist."),
    "structured_data_invalid": ("medium", "A JSON-LD block is not valid JSON or has no @type."),
    "structured_data_incomplete": (
        "low",
        "A JSON-LD Product, Article or BreadcrumbList lacks a required property.",
    ),
    "broken_resource": ("high", "A same-host image, script or stylesheet answers 4xx/5xx or not at all."),
    "img_missing_dimensions": ("low", "An img without both width and height attributes."),
    "meta_refresh": ("medium", 'The page has a <meta http-equiv="refresh"> tag.'),
    "nofollow_internal_link": ("low", "An internal link carries rel=nofollow."),
    "og_tags_missing": ("low", "An indexable page lacks og:title or og:image."),
    "heading_order_skipped": ("low", "A heading level jumps down by more than one (h1 to h3)."),
}


def severity_of(rule: str) -> Severity:
    """Return the severity of a rule id (KeyError for an unknown id)."""
    return RULES[rule][0]
