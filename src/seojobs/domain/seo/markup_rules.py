"""Markup rules found in both modes: soft 404s, structured data, images, refresh, links, og, headings."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache

from seojobs.domain.seo.evidence import EVIDENCE_ITEMS
from seojobs.domain.seo.evidence import quote_items as _quote
from seojobs.domain.seo.facts import Finding, PageFacts
from seojobs.domain.seo.structured_data import incomplete, parse_blocks
from seojobs.domain.seo.thresholds import RuleThresholds

#: The og: properties an indexable page needs to be shared well.
REQUIRED_OG: tuple[str, ...] = ("og:title", "og:image")


@lru_cache(maxsize=8)
def _phrases(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """Whole-word, case-insensitive alternation of the phrases (an apostrophe may be curly)."""
    parts = [re.escape(p).replace("'", "['\u2019]") for p in phrases]
    return re.compile(r"(?<!\w)(" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def _soft_404(p: PageFacts, t: RuleThresholds) -> Iterator[Finding]:
    pattern = _phrases(t.soft_404_phrases)
    for what, text in (("title", p.title), ("h1", p.h1s[0] if p.h1s else None)):
        if text and pattern.search(text):
            yield Finding("soft_404", p.url, f"status 200 but the {what} says {text[:80]!r}")
            return


def _structured_data(p: PageFacts, t: RuleThresholds) -> Iterator[Finding]:
    if not p.json_ld:
        return
    invalid, items = parse_blocks(p.json_ld)
    if invalid:
        yield Finding("structured_data_invalid", p.url, "; ".join(invalid[:EVIDENCE_ITEMS]))
    problems = [why for item in items for why in incomplete(item)]
    if problems:
        yield Finding("structured_data_incomplete", p.url, "; ".join(problems[:EVIDENCE_ITEMS]))


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def _images(p: PageFacts, t: RuleThresholds) -> Iterator[Finding]:
    unsized = [i.src or "(no src)" for i in p.images if _blank(i.width) or _blank(i.height)]
    if unsized:
        yield Finding("img_missing_dimensions", p.url, "no width and height: " + _quote(unsized))


def _refresh(p: PageFacts, t: RuleThresholds) -> Iterator[Finding]:
    if p.meta_refresh:
        yield Finding("meta_refresh", p.url, "meta refresh " + _quote(list(p.meta_refresh)))


def _nofollow(p: PageFacts, t: RuleThresholds) -> Iterator[Finding]:
    hrefs = [link.href or "" for link in p.links if link.internal and link.nofollow]
    if hrefs:
        yield Finding("nofollow_internal_link", p.url, "rel=nofollow on " + _quote(hrefs))


def _open_graph(p: PageFacts, t: RuleThresholds) -> Iterator[Finding]:
    missing = [name for name in REQUIRED_OG if name not in p.og_properties]
    if missing and p.indexable:
        yield Finding("og_tags_missing", p.url, "no " + " and no ".join(missing))


def _heading_order(p: PageFacts, t: RuleThresholds) -> Iterator[Finding]:
    for (level, text), (next_level, next_text) in zip(p.headings, p.headings[1:], strict=False):
        if next_level - level > 1:
            yield Finding(
                "heading_order_skipped",
                p.url,
                f"h{level} {text[:60]!r} then h{next_level} {next_text[:60]!r}",
            )
            return


#: The markup rules, applied to every 200 HTML page in both modes.
MARKUP_RULES: tuple[Callable[[PageFacts, RuleThresholds], Iterator[Finding]], ...] = (
    _soft_404,
    _structured_data,
    _images,
    _refresh,
    _nofollow,
    _open_graph,
    _heading_order,
)
