"""Rules that look at one page's facts alone."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

from seojobs.domain.seo.evidence import EVIDENCE_ITEMS, quote_items
from seojobs.domain.seo.facts import Finding, PageFacts
from seojobs.domain.seo.markup_rules import MARKUP_RULES
from seojobs.domain.seo.render_rules import RENDER_RULES
from seojobs.domain.seo.thresholds import RuleThresholds

_LANG = re.compile(r"^(x-default|[a-z]{2,3}(-[a-z]{4})?(-([a-z]{2}|[0-9]{3}))?)$", re.IGNORECASE)
_PUNCT = re.compile(r"[^\w\s]+")

PageRule = Callable[[PageFacts, RuleThresholds], Iterator[Finding]]


_quote = quote_items


def _is_absolute(href: str) -> bool:
    return href.lower().startswith(("http://", "https://"))


def _titles(p: PageFacts, t: RuleThresholds) -> Iterator[Finding]:
    titles = [x for x in p.titles if x]
    if not titles:
        yield Finding("title_missing", p.url, "no <title> or an empty one")
        return
    if len(p.titles) > 1:
        yield Finding("title_multiple", p.url, f"{len(p.titles)} titles: {_quote(list(p.titles))}")
    title = titles[0]
    if len(title) < t.title_min_chars:
        yield Finding("title_too_short", p.url, f"{len(title)} chars: {title!r}")
    elif len(title) > t.title_max_chars:
        yield Finding("title_too_long", p.url, f"{len(title)} chars: {title[:80]!r}")


def _descriptions(p: PageFacts, t: RuleThresholds) -> Iterator[Finding]:
    descriptions = [x for x in p.meta_descriptions if x]
    if not descriptions:
        yield Finding("meta_description_missing", p.url, "no meta description or an empty one")
        return
    if len(p.meta_descriptions) > 1:
        yield Finding("meta_description_multiple", p.url, f"{len(p.meta_descriptions)} meta descriptions")
    text = descriptions[0]
    if len(text) < t.meta_description_min_chars:
        yield Finding("meta_description_too_short", p.url, f"{len(text)} chars: {text!r}")
    elif len(text) > t.meta_description_max_chars:
        yield Finding("meta_description_too_long", p.url, f"{len(text)} chars: {text[:80]!r}")


def _headings(p: PageFacts, t: RuleThresholds) -> Iterator[Finding]:
    if not p.h1s:
        yield Finding("h1_missing", p.url, "no <h1>")
        return
    if len(p.h1s) > 1:
        yield Finding("h1_multiple", p.url, f"{len(p.h1s)} h1s: {_quote(list(p.h1s))}")
    long_ones = [h for h in p.h1s if len(h) > t.h1_max_chars]
    if long_ones:
        yield Finding("h1_too_long", p.url, f"{len(long_ones[0])} chars: {long_ones[0][:80]!r}")


def _links(p: PageFacts, t: RuleThresholds) -> Iterator[Finding]:
    bad: list[str] = []
    generic: list[str] = []
    wanted = {g.lower() for g in t.generic_link_texts}
    for link in p.links:
        href = (link.href or "").strip()
        if link.href is None:
            bad.append("<a> without href")
        elif not href:
            bad.append('href=""')
        elif href.lower().startswith("javascript:"):
            bad.append(href)
        if link.href is not None and _PUNCT.sub("", link.text).strip().lower() in wanted:
            generic.append(f"{link.text} -> {href}")
    if bad:
        yield Finding("uncrawlable_link", p.url, _quote(bad))
    if generic:
        yield Finding("generic_link_text", p.url, _quote(generic))


def _canonical(p: PageFacts, t: RuleThresholds) -> Iterator[Finding]:
    if not p.canonicals:
        if p.status == 200 and not p.noindex:
            yield Finding("canonical_missing", p.url, "indexable page without rel=canonical")
        return
    problems: list[str] = []
    distinct = {x for x in p.canonical_targets if x is not None}
    if len(distinct) > 1:
        problems.append(f"{len(distinct)} distinct canonicals")
    problems += [f"relative canonical {c!r}" for c in p.canonicals if c and not _is_absolute(c)]
    problems += [
        f"unparsable canonical {c!r}"
        for c, x in zip(p.canonicals, p.canonical_targets, strict=True)
        if x is None
    ]
    if urlsplit(p.url).path not in ("", "/"):
        problems += [
            f"canonicalised to the root {x}"
            for x in distinct
            if urlsplit(x).path in ("", "/") and not urlsplit(x).query
        ]
    if problems:
        yield Finding("canonical_invalid", p.url, "; ".join(problems[:EVIDENCE_ITEMS]))


def _hreflang(p: PageFacts, t: RuleThresholds) -> Iterator[Finding]:
    problems = [f"invalid code {h.lang!r}" for h in p.hreflangs if not _LANG.match(h.lang)]
    problems += [f"relative href {h.href!r}" for h in p.hreflangs if not _is_absolute(h.href)]
    if problems:
        yield Finding("hreflang_invalid", p.url, "; ".join(problems[:EVIDENCE_ITEMS]))


def _page_basics(p: PageFacts, t: RuleThresholds) -> Iterator[Finding]:
    missing_alt = [i.src or "(no src)" for i in p.images if i.alt is None]
    if missing_alt:
        yield Finding("img_alt_missing", p.url, _quote(missing_alt))
    if not p.lang:
        yield Finding("html_lang_missing", p.url, "<html> without lang")
    if not p.has_viewport:
        yield Finding("viewport_missing", p.url, "no <meta name=viewport>")
    if p.words < t.thin_content_min_words:
        yield Finding("thin_content", p.url, f"{p.words} words of main text")
    if p.noindex:
        yield Finding("noindex", p.url, "directives: " + ", ".join(p.robots_directives))


def _performance(p: PageFacts, t: RuleThresholds) -> Iterator[Finding]:
    if p.url.lower().startswith("https://"):
        insecure = [r for r in p.resources if r.lower().startswith("http://")]
        if insecure:
            yield Finding("mixed_content", p.url, _quote(insecure))
    if p.ttfb_ms is not None and p.ttfb_ms > t.slow_response_ms:
        yield Finding("slow_response", p.url, f"TTFB {p.ttfb_ms:.0f} ms")
    if p.bytes > t.page_too_heavy_kib * 1024:
        yield Finding("page_too_heavy", p.url, f"{p.bytes // 1024} KiB transferred")


#: The per-page rules, applied to every 200 HTML page.
PAGE_RULES: tuple[PageRule, ...] = (
    _titles,
    _descriptions,
    _headings,
    _links,
    _canonical,
    _hreflang,
    _page_basics,
    _performance,
    *MARKUP_RULES,
    *RENDER_RULES,
)


def check_page(page: PageFacts, thresholds: RuleThresholds) -> list[Finding]:
    """Run every per-page rule on one page; pages that did not answer 200 are not judged."""
    if page.status != 200:
        return []
    return [finding for rule in PAGE_RULES for finding in rule(page, thresholds)]
