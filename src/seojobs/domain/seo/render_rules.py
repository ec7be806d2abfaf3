"""Browser-only rules: the raw HTML against the rendered DOM, script errors, LCP, CLS, DOM size."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from seojobs.domain.seo.facts import Finding, PageFacts
from seojobs.domain.seo.render_facts import Experience, RenderFacts
from seojobs.domain.seo.thresholds import RuleThresholds

#: Longest quoted text (a title, a directive list) in an evidence string.
QUOTE_CHARS = 80


def _show(values: tuple[str, ...]) -> str:
    """How a raw or rendered value reads in evidence: the values, or 'none'."""
    if not values:
        return "none"
    return ", ".join(repr(v[:QUOTE_CHARS]) for v in values)


def _changed(
    rule: str, what: str, p: PageFacts, raw: tuple[str, ...], rendered: tuple[str, ...]
) -> Iterator[Finding]:
    if raw != rendered:
        yield Finding(rule, p.url, f"raw {what} {_show(raw)}, rendered {_show(rendered)}")


def _rewritten(p: PageFacts, r: RenderFacts) -> Iterator[Finding]:
    yield from _changed("title_changed_by_js", "title", p, r.raw_titles, p.titles)
    yield from _changed("canonical_changed_by_js", "canonical", p, r.raw_canonicals, p.canonicals)
    yield from _changed(
        "robots_meta_changed_by_js",
        "meta robots",
        p,
        tuple(sorted(set(r.raw_meta_robots))),
        tuple(sorted(set(p.meta_robots))),
    )


def _late_links(p: PageFacts, r: RenderFacts) -> Iterator[Finding]:
    rendered = [
        link.target for link in p.links if link.internal and link.target is not None and link.href is not None
    ]
    late = list(dict.fromkeys(t for t in rendered if t not in r.raw_link_targets))
    if late:
        noun = "link" if len(late) == 1 else "links"
        yield Finding(
            "links_only_after_render",
            p.url,
            f"{len(late)} internal {noun} only after rendering, e.g. {late[0]}",
        )


def _experience(p: PageFacts, e: Experience, t: RuleThresholds) -> Iterator[Finding]:
    if e.js_errors:
        more = f" (+{len(e.js_errors) - 1} more)" if len(e.js_errors) > 1 else ""
        yield Finding("js_error", p.url, f"uncaught: {e.js_errors[0][:160]}{more}")
    if e.lcp_ms is not None and e.lcp_ms > t.lcp_slow_ms:
        target = f" ({e.lcp_target[:QUOTE_CHARS]})" if e.lcp_target else ""
        yield Finding("lcp_slow", p.url, f"LCP {e.lcp_ms:,.0f} ms{target}")
    cls = e.cls
    if cls > t.cls_high:
        yield Finding("cls_high", p.url, f"CLS {cls:.3f} from {len(e.shifts)} layout shifts")


def check_rendered(p: PageFacts, t: RuleThresholds) -> Iterator[Finding]:
    """The browser-only rules of one 200 page; nothing in http mode (no render facts)."""
    if p.render is not None:
        yield from _rewritten(p, p.render)
        yield from _late_links(p, p.render)
        if p.render.dom_elements > t.dom_max_elements:
            yield Finding(
                "dom_too_large",
                p.url,
                f"{p.render.dom_elements:,} elements in the rendered DOM (limit {t.dom_max_elements:,})",
            )
    if p.experience is not None:
        yield from _experience(p, p.experience, t)


#: The browser-only rules as one page rule.
RENDER_RULES: tuple[Callable[[PageFacts, RuleThresholds], Iterator[Finding]], ...] = (check_rendered,)
