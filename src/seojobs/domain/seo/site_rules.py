"""Rules that need the whole crawl: links to other URLs, duplicates, sitemap and robots."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator

from seojobs.domain.seo.facts import Finding, PageFacts, SiteFacts, UrlOutcome
from seojobs.domain.seo.page_rules import check_page
from seojobs.domain.seo.resource_rules import broken_resources
from seojobs.domain.seo.thresholds import RuleThresholds


def _pages(site: SiteFacts) -> list[PageFacts]:
    return [o.facts for o in site.outcomes.values() if o.facts is not None]


def _status_rules(site: SiteFacts) -> Iterator[Finding]:
    for o in site.outcomes.values():
        if o.loop:
            yield Finding("redirect_loop", o.url, "redirects never resolve: " + _hops(o))
        elif len(o.redirects) >= 2:
            yield Finding("redirect_chain", o.url, f"{len(o.redirects)} redirects: " + _hops(o))
        if o.status is not None and o.status >= 400:
            yield Finding("http_error", o.url, f"HTTP {o.status}")


def _hops(o: UrlOutcome) -> str:
    return " -> ".join((o.url, *o.redirects))


def _broken(o: UrlOutcome) -> str | None:
    if o.status is None and not o.redirects:
        return f"no answer ({o.error or 'unreachable'})"
    if o.status is not None and o.status >= 400:
        return f"HTTP {o.status}"
    return None


def _link_rules(site: SiteFacts, page: PageFacts) -> Iterator[Finding]:
    broken: dict[str, str] = {}
    redirecting: list[str] = []
    blocked: list[str] = []
    for link in page.links:
        target = link.target
        if target is None or not link.internal or target == page.url:
            continue
        if target in site.robots_disallowed:
            blocked.append(target)
            continue
        outcome = site.outcomes.get(target)
        if outcome is None:
            continue
        reason = _broken(outcome)
        if reason is not None:
            broken[target] = reason
        elif outcome.redirected:
            redirecting.append(target)
    if broken:
        items = [f"{u} ({why})" for u, why in broken.items()]
        yield Finding("broken_link", page.url, "; ".join(items[:3]))
    if redirecting:
        yield Finding("link_to_redirect", page.url, ", ".join(dict.fromkeys(redirecting)))
    if blocked:
        yield Finding("blocked_by_robots", page.url, ", ".join(dict.fromkeys(blocked)))


def _not_indexable(o: UrlOutcome) -> str | None:
    """Why a URL is not a good target (None when it answers 200 and is indexable)."""
    if o.redirected:
        return "redirects"
    if o.status != 200:
        return f"answers {o.status if o.status is not None else 'nothing'}"
    if o.facts is not None and o.facts.noindex:
        return "is noindex"
    return None


def _canonical_target(site: SiteFacts, page: PageFacts) -> Iterator[Finding]:
    targets = {t for t in page.canonical_targets if t is not None and t != page.url}
    for target in sorted(targets):
        outcome = site.outcomes.get(target)
        why = _not_indexable(outcome) if outcome is not None else None
        if why is not None:
            yield Finding("canonical_target_bad", page.url, f"canonical {target} {why}")
            return


def _hreflang_return(site: SiteFacts, page: PageFacts) -> Iterator[Finding]:
    missing: list[str] = []
    for alt in page.hreflangs:
        if alt.target is None or alt.target == page.url:
            continue
        outcome = site.outcomes.get(alt.target)
        if outcome is None or outcome.facts is None:
            continue
        if page.url not in {h.target for h in outcome.facts.hreflangs}:
            missing.append(alt.target)
    if missing:
        yield Finding("hreflang_no_return", page.url, "no return link from " + ", ".join(missing))


def _duplicates(pages: list[PageFacts], rule: str, key: Callable[[PageFacts], str]) -> Iterator[Finding]:
    groups: dict[str, list[str]] = defaultdict(list)
    for page in pages:
        value = key(page)
        if value:
            groups[value].append(page.url)
    for value, urls in groups.items():
        if len(urls) < 2:
            continue
        for url in urls:
            others = [u for u in urls if u != url]
            yield Finding(rule, url, f"{value[:60]!r} also on " + ", ".join(others[:3]))


def _sitemap_rules(site: SiteFacts, pages: list[PageFacts]) -> Iterator[Finding]:
    linked = {link.target for p in pages for link in p.links if link.target != p.url}
    for url in dict.fromkeys(site.sitemap_urls):
        outcome = site.outcomes.get(url)
        if outcome is not None:
            why = _not_indexable(outcome)
            if why is not None:
                yield Finding("sitemap_non_indexable", url, f"sitemap URL {why}")
        # Only a crawl that saw every page can tell that nothing links to a URL.
        if site.complete and url != site.base_url and url not in linked:
            yield Finding("orphan_page", url, "in the sitemap, linked from no crawled page")


def _robots_rules(site: SiteFacts) -> Iterator[Finding]:
    robots = site.robots
    if robots is None:
        return
    problems: list[str] = []
    if robots.status is None:
        problems.append("robots.txt unreachable")
    elif robots.status >= 500:
        problems.append(f"robots.txt answers {robots.status}")
    problems += [f"unknown directive {d!r}" for d in robots.unknown_directives]
    problems += [f"invalid Sitemap {s!r}" for s in robots.invalid_sitemaps]
    if problems:
        yield Finding("robots_txt_invalid", robots.url, "; ".join(problems[:3]))


def analyze_site(site: SiteFacts, thresholds: RuleThresholds) -> list[Finding]:
    """Run every rule (per-page and site-wide) and return the findings, one per rule and URL."""
    pages = _pages(site)
    indexable = [p for p in pages if p.indexable]
    findings: list[Finding] = []
    findings += _status_rules(site)
    findings += _robots_rules(site)
    for page in pages:
        findings += check_page(page, thresholds)
        findings += _link_rules(site, page)
        findings += _canonical_target(site, page)
        findings += _hreflang_return(site, page)
        if page.status == 200:
            findings += broken_resources(site, page)
    findings += _duplicates(indexable, "title_duplicate", lambda p: p.title or "")
    findings += _duplicates(
        indexable,
        "meta_description_duplicate",
        lambda p: p.meta_descriptions[0] if p.meta_descriptions else "",
    )
    findings += _duplicates(indexable, "duplicate_content", lambda p: p.content_hash)
    findings += _sitemap_rules(site, pages)
    unique: dict[tuple[str, str], Finding] = {}
    for finding in findings:
        unique.setdefault((finding.rule, finding.url), finding)
    return sorted(unique.values(), key=lambda f: (f.url, f.rule))
