"""Configurable thresholds of the SEO rules, with the defaults as named constants."""

from __future__ import annotations

from dataclasses import dataclass

#: A title shorter than this many characters is too short.
TITLE_MIN_CHARS = 30
#: A title longer than this many characters is too long.
TITLE_MAX_CHARS = 60
#: A meta description shorter than this many characters is too short.
META_DESCRIPTION_MIN_CHARS = 70
#: A meta description longer than this many characters is too long.
META_DESCRIPTION_MAX_CHARS = 155
#: An h1 longer than this many characters is too long.
H1_MAX_CHARS = 70
#: Fewer words than this in the main text (outside nav/header/footer) is thin content.
THIN_CONTENT_MIN_WORDS = 200
#: A time to first byte above this many milliseconds is a slow response.
SLOW_RESPONSE_MS = 600.0
#: Total transferred bytes above this many KiB make a page too heavy.
PAGE_TOO_HEAVY_KIB = 4000
#: Link texts that say nothing about the target (compared case-insensitively, trimmed).
GENERIC_LINK_TEXTS: tuple[str, ...] = (
    "click here",
    "here",
    "read more",
    "learn more",
    "more",
    "this",
    "go",
    "start",
)

#: A Largest Contentful Paint above this many milliseconds is slow.
LCP_SLOW_MS = 2500.0
#: A Cumulative Layout Shift above this is high.
CLS_HIGH = 0.1
#: A rendered DOM with more elements than this is too large.
DOM_MAX_ELEMENTS = 1500
#: Phrases of a title or first h1 that say the page does not exist (whole words, any case).
SOFT_404_PHRASES: tuple[str, ...] = (
    "404",
    "not found",
    "page does not exist",
    "page doesn't exist",
)


@dataclass(frozen=True)
class RuleThresholds:
    """The tunable limits the rules compare against."""

    title_min_chars: int = TITLE_MIN_CHARS
    title_max_chars: int = TITLE_MAX_CHARS
    meta_description_min_chars: int = META_DESCRIPTION_MIN_CHARS
    meta_description_max_chars: int = META_DESCRIPTION_MAX_CHARS
    h1_max_chars: int = H1_MAX_CHARS
    thin_content_min_words: int = THIN_CONTENT_MIN_WORDS
    slow_response_ms: float = SLOW_RESPONSE_MS
    page_too_heavy_kib: int = PAGE_TOO_HEAVY_KIB
    generic_link_texts: tuple[str, ...] = GENERIC_LINK_TEXTS
    lcp_slow_ms: float = LCP_SLOW_MS
    cls_high: float = CLS_HIGH
    dom_max_elements: int = DOM_MAX_ELEMENTS
    soft_404_phrases: tuple[str, ...] = SOFT_404_PHRASES
