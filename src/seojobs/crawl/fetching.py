"""The fetcher port: what the engine needs from an HTTP or browser fetch of one URL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from seojobs.domain.seo.render_facts import Experience

#: Waits for the end of a page's measurement (3 s after load) and returns what it saw.
Settle = Callable[[], Awaitable[Experience]]

#: Redirects followed before a URL counts as never resolving (Chromium stops at 20).
MAX_REDIRECTS = 20


@dataclass(frozen=True)
class Hop:
    """One redirect response on the way: the URL that answered and its 3xx status."""

    url: str
    status: int


@dataclass(frozen=True)
class FetchResult:
    """The outcome of fetching one URL, redirects followed (each hop checked by the guard)."""

    url: str
    status: int | None
    final_url: str
    hops: tuple[Hop, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    html: str | None = None
    ttfb_ms: float | None = None
    bytes: int = 0
    resources: tuple[str, ...] = ()
    error: str | None = None
    loop: bool = False
    blocked: bool = False
    #: Browser mode: the navigation response's body, before any script ran.
    raw_html: str | None = None
    #: Browser mode: elements in the rendered DOM.
    dom_elements: int = 0
    #: Browser mode: the page's own image/script/stylesheet requests and their status.
    resource_statuses: tuple[tuple[str, int | None], ...] = ()
    #: Browser mode: finishes the page-experience measurement (the crawl does not wait for it).
    settle: Settle | None = field(default=None, compare=False, repr=False)

    @property
    def answered(self) -> bool:
        """Whether any HTTP response came back at all."""
        return self.status is not None or bool(self.hops)


@dataclass(frozen=True)
class TextResponse:
    """A small document fetched over plain HTTP (robots.txt, sitemaps)."""

    url: str
    status: int | None
    body: bytes = b""
    error: str | None = None


class PageFetcher(Protocol):
    """Fetches pages of one crawl (a browser context or an HTTP session)."""

    async def fetch(self, url: str, timeout_s: float) -> FetchResult:
        """Fetch url following redirects; never raises for network trouble."""
        ...

    async def close(self) -> None:
        """Release what the session holds."""
        ...


class TextFetcher(Protocol):
    """Fetches small documents over plain HTTP, redirects followed through the guard."""

    async def get_text(self, url: str, timeout_s: float, max_redirects: int) -> TextResponse:
        """GET url; network trouble and refused targets give status None with an error."""
        ...

    async def get_status(self, url: str, timeout_s: float, max_redirects: int) -> TextResponse:
        """Like get_text, but only the final status: the body is never read."""
        ...
