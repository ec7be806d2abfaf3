"""The catalogue of SEO rule ids the crawler reports, and the order of their severities."""

from __future__ import annotations

from typing import Final

#: Every rule id the crawler stores an issue under (to import from the crawler's catalogue later).
RULE_IDS: Final[tuple[str, ...]] = (
    "http_error",
    "broken_link",
    "redirect_chain",
    "redirect_loop",
    "link_to_redirect",
    "noindex",
    "blocked_by_robots",
    "robots_txt_invalid",
    "canonical_invalid",
    "canonical_target_bad",
    "canonical_missing",
    "hreflang_invalid",
    "hreflang_no_return",
    "uncrawlable_link",
    "generic_link_text",
    "title_missing",
    "title_multiple",
    "title_too_short",
    "title_too_long",
    "title_duplicate",
    "meta_description_missing",
    "meta_description_multiple",
    "meta_description_too_short",
    "meta_description_too_long",
    "meta_description_duplicate",
    "h1_missing",
    "h1_multiple",
    "h1_too_long",
    "img_alt_missing",
    "html_lang_missing",
    "viewport_missing",
    "thin_content",
    "duplicate_content",
    "mixed_content",
    "slow_response",
    "page_too_heavy",
    "orphan_page",
    "sitemap_non_indexable",
    "title_changed_by_js",
    "canonical_changed_by_js",
    "robots_meta_changed_by_js",
    "links_only_after_render",
    "js_error",
    "lcp_slow",
    "cls_high",
    "dom_too_large",
    "soft_404",
    "structured_data_invalid",
    "structured_data_incomplete",
    "broken_resource",
    "img_missing_dimensions",
    "meta_refresh",
    "nofollow_internal_link",
    "og_tags_missing",
    "heading_order_skipped",
)

#: The severities an issue can carry, most severe first.
SEVERITIES: Final[tuple[str, ...]] = ("high", "medium", "low")

#: Rank given to a severity outside SEVERITIES: it sorts after every known one.
UNKNOWN_SEVERITY_RANK: Final[int] = len(SEVERITIES)


def severity_rank(severity: str) -> int:
    """Return the sort rank of a severity: 0 for the most severe, unknown ones last."""
    normalized = severity.strip().lower()
    if normalized in SEVERITIES:
        return SEVERITIES.index(normalized)
    return UNKNOWN_SEVERITY_RANK


def most_severe(first: str, second: str) -> str:
    """Return whichever of two severities ranks as more severe (the first on a tie)."""
    return second if severity_rank(second) < severity_rank(first) else first
