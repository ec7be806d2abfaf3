"""Pure mapping from a fetch result to the outcomes the rules judge."""

from __future__ import annotations

from dataclasses import dataclass, replace

from seojobs.crawl.fetching import FetchResult
from seojobs.crawl.urls import SiteScope, normalize_url
from seojobs.domain.seo.extract import extract_page_facts
from seojobs.domain.seo.facts import PageFacts, ResponseFacts, UrlOutcome
from seojobs.domain.seo.render_facts import RenderFacts


@dataclass(frozen=True)
class Outcomes:
    """The requested URL's outcome, plus the final page's own one when it redirected."""

    requested: UrlOutcome
    final: UrlOutcome | None = None


def _collapse(keys: list[str]) -> list[str]:
    out: list[str] = []
    for key in keys:
        if not out or out[-1] != key:
            out.append(key)
    return out


def _facts(result: FetchResult, scope: SiteScope) -> PageFacts | None:
    if result.html is None or result.status is None:
        return None
    response = ResponseFacts(
        url=result.final_url,
        status=result.status,
        headers=result.headers,
        ttfb_ms=result.ttfb_ms,
        bytes=result.bytes,
        loaded_resources=result.resources,
    )
    facts = extract_page_facts(result.html, response, scope)
    if result.raw_html is None:
        return facts
    raw = extract_page_facts(result.raw_html, response, scope)
    render = RenderFacts(
        raw_titles=raw.titles,
        raw_canonicals=raw.canonicals,
        raw_meta_robots=raw.meta_robots,
        raw_link_targets=frozenset(
            link.target for link in raw.links if link.internal and link.target is not None
        ),
        dom_elements=result.dom_elements,
    )
    requested = [u for u, _ in result.resource_statuses if scope.is_internal(u)]
    subresources = tuple(dict.fromkeys((*facts.subresources, *requested)))
    return replace(facts, render=render, subresources=subresources)


def to_outcomes(key: str, result: FetchResult, scope: SiteScope) -> Outcomes:
    """Map what fetching key gave; redirects that keep the key (a/ -> a) are transparent."""
    chain = [normalize_url(h.url) or h.url for h in result.hops]
    final_key = normalize_url(result.final_url) or result.final_url
    keys = _collapse([key, *chain, final_key])
    redirects = tuple(keys[1:])
    first_status = result.hops[0].status if result.hops else None
    if result.loop:
        return Outcomes(UrlOutcome(key, first_status, redirects, loop=True, error=result.error))
    if result.blocked or result.status is None:
        status = first_status if redirects else None
        return Outcomes(UrlOutcome(key, status, redirects, error=result.error))
    facts = _facts(result, scope)
    if not redirects:
        return Outcomes(
            UrlOutcome(key, result.status, final_status=result.status, error=result.error, facts=facts)
        )
    requested = UrlOutcome(key, first_status, redirects, final_status=result.status)
    if not scope.is_internal(final_key):
        return Outcomes(requested)
    return Outcomes(
        requested,
        UrlOutcome(final_key, result.status, final_status=result.status, error=result.error, facts=facts),
    )
