"""Typed records of what a crawl collected: one page's facts, one URL's outcome, the site."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from seojobs.domain.seo.render_facts import Experience, RenderFacts


class UrlScope(Protocol):
    """Turns raw hrefs into the crawl's canonical URL form and tells internal from external."""

    def normalize(self, url: str) -> str | None:
        """Return the normalised absolute http(s) URL, or None when it is not one."""
        ...

    def is_internal(self, url: str) -> bool:
        """Tell whether a normalised URL belongs to the crawled site."""
        ...


@dataclass(frozen=True)
class ResponseFacts:
    """What the fetch observed about one response, besides its HTML."""

    url: str
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    ttfb_ms: float | None = None
    bytes: int = 0
    loaded_resources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Link:
    """One anchor: raw href (None when absent), absolute URL, normalised target, text."""

    href: str | None
    url: str | None
    target: str | None
    text: str
    internal: bool
    nofollow: bool = False


@dataclass(frozen=True)
class Image:
    """One img element: its src, alt, width and height (None when the attribute is absent)."""

    src: str | None
    alt: str | None
    width: str | None = None
    height: str | None = None


@dataclass(frozen=True)
class Hreflang:
    """One link rel=alternate hreflang: language code, raw href, normalised target."""

    lang: str
    href: str
    target: str | None


@dataclass(frozen=True)
class PageFacts:
    """Everything the rules need to know about one fetched HTML page."""

    url: str
    status: int
    titles: tuple[str, ...] = ()
    meta_descriptions: tuple[str, ...] = ()
    robots_directives: tuple[str, ...] = ()
    canonicals: tuple[str, ...] = ()
    canonical_targets: tuple[str | None, ...] = ()
    hreflangs: tuple[Hreflang, ...] = ()
    h1s: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    images: tuple[Image, ...] = ()
    lang: str | None = None
    has_viewport: bool = False
    words: int = 0
    content_hash: str = ""
    resources: tuple[str, ...] = ()
    ttfb_ms: float | None = None
    bytes: int = 0
    #: Directives of meta robots/googlebot alone (without X-Robots-Tag).
    meta_robots: tuple[str, ...] = ()
    #: Every h1-h6 in document order: (level, text).
    headings: tuple[tuple[int, str], ...] = ()
    #: The content of every <meta http-equiv="refresh">.
    meta_refresh: tuple[str, ...] = ()
    #: The text of every <script type="application/ld+json"> block.
    json_ld: tuple[str, ...] = ()
    #: The og: properties present with a non-empty content (og:title, og:image, ...).
    og_properties: frozenset[str] = frozenset()
    #: Absolute URLs of the page's images, scripts and stylesheets on the site's own host.
    subresources: tuple[str, ...] = ()
    #: Browser mode only: what the raw HTML said, to compare with the rendered DOM.
    render: RenderFacts | None = None
    #: Browser mode only: what the page did while loading (LCP, layout shifts, script errors).
    experience: Experience | None = None

    @property
    def noindex(self) -> bool:
        """Whether a robots directive (meta or X-Robots-Tag) forbids indexing."""
        return any(d in ("noindex", "none") for d in self.robots_directives)

    @property
    def title(self) -> str | None:
        """The first title, if any."""
        return self.titles[0] if self.titles else None

    @property
    def indexable(self) -> bool:
        """200, not noindex, and canonical absent or pointing at itself."""
        if self.status != 200 or self.noindex:
            return False
        return all(t == self.url for t in self.canonical_targets)


@dataclass(frozen=True)
class UrlOutcome:
    """What happened when the crawler fetched one internal URL (keyed by its normal form)."""

    url: str
    status: int | None
    redirects: tuple[str, ...] = ()
    final_status: int | None = None
    loop: bool = False
    error: str | None = None
    facts: PageFacts | None = None

    @property
    def redirected(self) -> bool:
        """Whether the URL answered with a redirect to another URL."""
        return bool(self.redirects) or self.loop


@dataclass(frozen=True)
class RobotsFacts:
    """robots.txt as fetched: its status (None when unreachable) and its lint results."""

    url: str
    status: int | None
    unknown_directives: tuple[str, ...] = ()
    invalid_sitemaps: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteFacts:
    """The whole crawl as the site-level rules see it."""

    base_url: str
    outcomes: Mapping[str, UrlOutcome]
    robots: RobotsFacts | None = None
    #: Status of each same-host sub-resource the crawl checked (None: no answer).
    resource_status: Mapping[str, int | None] = field(default_factory=dict)
    robots_disallowed: frozenset[str] = frozenset()
    sitemap_urls: tuple[str, ...] = ()
    complete: bool = True


@dataclass(frozen=True)
class Finding:
    """One rule that fired on one URL, with short evidence."""

    rule: str
    url: str
    evidence: str
