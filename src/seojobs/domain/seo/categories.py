"""The category of every rule (how the dashboard groups issues) and the rules only a browser sees."""

from __future__ import annotations

from typing import Final, Literal

Category = Literal["indexing", "content", "links", "javascript", "page_experience", "structured_data"]

#: The categories in display order, with their labels.
CATEGORIES: Final[tuple[tuple[Category, str], ...]] = (
    ("indexing", "Indexing"),
    ("content", "Content"),
    ("links", "Links"),
    ("javascript", "JavaScript"),
    ("page_experience", "Page experience"),
    ("structured_data", "Structured data"),
)
#: Category id -> label.
CATEGORY_LABEL: Final[dict[Category, str]] = dict(CATEGORIES)

_BY_CATEGORY: Final[dict[Category, tuple[str, ...]]] = {
    "indexing": (
        "http_error",
        "redirect_chain",
        "redirect_loop",
        "noindex",
        "robots_txt_invalid",
        "canonical_invalid",
        "canonical_target_bad",
        "canonical_missing",
        "hreflang_invalid",
        "hreflang_no_return",
        "orphan_page",
        "sitemap_non_indexable",
        "soft_404",
        "meta_refresh",
    ),
    "content": (
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
        "thin_content",
        "duplicate_content",
        "og_tags_missing",
        "heading_order_skipped",
    ),
    "links": (
        "broken_link",
        "link_to_redirect",
        "blocked_by_robots",
        "uncrawlable_link",
        "generic_link_text",
        "nofollow_internal_link",
    ),
    "javascript": (
        "title_changed_by_js",
        "canonical_changed_by_js",
        "robots_meta_changed_by_js",
        "links_only_after_render",
        "js_error",
    ),
    "page_experience": (
        "viewport_missing",
        "mixed_content",
        "slow_response",
        "page_too_heavy",
        "lcp_slow",
        "cls_high",
        "dom_too_large",
        "broken_resource",
        "img_missing_dimensions",
    ),
    "structured_data": ("structured_data_invalid", "structured_data_incomplete"),
}

#: Every rule id -> its category.
RULE_CATEGORY: Final[dict[str, Category]] = {
    rule: category for category, rules in _BY_CATEGORY.items() for rule in rules
}

#: Rules judged on the raw HTML against the rendered DOM: reported in browser mode only.
BROWSER_ONLY_RULES: Final[frozenset[str]] = frozenset(
    {
        "title_changed_by_js",
        "canonical_changed_by_js",
        "robots_meta_changed_by_js",
        "links_only_after_render",
        "js_error",
        "lcp_slow",
        "cls_high",
        "dom_too_large",
    }
)


def category_of(rule: str) -> Category:
    """Return the category of a rule id ("indexing" for one the table does not know)."""
    return RULE_CATEGORY.get(rule, "indexing")
