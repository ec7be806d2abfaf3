"""Helpers for the rule tests: a clean page by default, with any part overridden."""

from __future__ import annotations

from seojobs.crawl.urls import SiteScope
from seojobs.domain.seo import PageFacts, ResponseFacts, extract_page_facts

ORIGIN = "https://shop.example"
SCOPE = SiteScope.for_base(ORIGIN + "/")
CLEAN_TITLE = "Garden tools for every season - Shop"
CLEAN_DESCRIPTION = (
    "Sturdy garden tools, seeds and compost for every season, shipped quickly from our small family shop."
)
WORDS = " ".join(f"word{i}" for i in range(250))


def page_html(
    *,
    title: str | None = CLEAN_TITLE,
    description: str | None = CLEAN_DESCRIPTION,
    canonical: str | None = "self",
    h1: str | None = "Garden tools",
    lang: str | None = "en",
    viewport: bool = True,
    head: str = "",
    body: str = "",
    text: str = WORDS,
    path: str = "/p",
    og: bool = True,
) -> str:
    """Return HTML of a page that breaks no rule unless told to."""
    parts = ["<!doctype html>", f"<html{f' lang={lang!r}' if lang else ''}>", "<head>"]
    if title is not None:
        parts.append(f"<title>{title}</title>")
    if description is not None:
        parts.append(f'<meta name="description" content="{description}">')
    if viewport:
        parts.append('<meta name="viewport" content="width=device-width">')
    if canonical == "self":
        parts.append(f'<link rel="canonical" href="{ORIGIN}{path}">')
    elif canonical is not None:
        parts.append(f'<link rel="canonical" href="{canonical}">')
    if og:
        parts.append(
            '<meta property="og:title" content="Garden tools">'
            f'<meta property="og:image" content="{ORIGIN}/og.png">'
        )
    parts += [head, "</head><body>", "<header><nav><a href='/'>Home page</a></nav></header>"]
    if h1 is not None:
        parts.append(f"<h1>{h1}</h1>")
    parts += [f"<p>{text}</p>", body, "<footer>Footer text</footer></body></html>"]
    return "\n".join(parts)


def facts(
    html: str | None = None,
    *,
    path: str = "/p",
    status: int = 200,
    headers: dict[str, str] | None = None,
    ttfb_ms: float | None = 50.0,
    size: int = 10_000,
    loaded: tuple[str, ...] = (),
    origin: str = ORIGIN,
) -> PageFacts:
    """Extract PageFacts of html served at origin + path."""
    response = ResponseFacts(origin + path, status, headers or {}, ttfb_ms, size, loaded)
    return extract_page_facts(page_html(path=path) if html is None else html, response, SCOPE)
