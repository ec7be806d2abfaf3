"""Pure HTML extraction: one page's HTML plus response facts -> a typed PageFacts record."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urljoin

from lxml import html as lxml_html
from lxml.etree import ParserError, _Element

from seojobs.domain.seo.facts import Hreflang, Image, Link, PageFacts, ResponseFacts, UrlScope

#: Elements whose text is not main content.
NON_MAIN_TAGS: tuple[str, ...] = (
    "nav",
    "header",
    "footer",
    "script",
    "style",
    "noscript",
    "template",
    "svg",
)
#: Sub-resource elements and the attribute holding their URL (used for mixed content).
RESOURCE_ATTRS: tuple[tuple[str, str], ...] = (
    ("img", "src"),
    ("script", "src"),
    ("iframe", "src"),
    ("video", "src"),
    ("audio", "src"),
    ("source", "src"),
    ("embed", "src"),
    ("object", "data"),
)
#: Sub-resources whose status the crawl checks: (tag, URL attribute, rel the tag needs).
CHECKED_RESOURCES: tuple[tuple[str, str, str | None], ...] = (
    ("img", "src", None),
    ("script", "src", None),
    ("link", "href", "stylesheet"),
)
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"\s+")


def _join(base: str, href: str) -> str | None:
    """Resolve href against base; None when it cannot be parsed (e.g. a broken IPv6 host)."""
    try:
        return urljoin(base, href)
    except ValueError:
        return None


def _norm(scope: UrlScope, base: str, href: str) -> str | None:
    joined = _join(base, href)
    return scope.normalize(joined) if joined is not None else None


def _text(el: _Element) -> str:
    return _SPACE.sub(" ", el.text_content()).strip()  # type: ignore[attr-defined]


def _rel_tokens(el: _Element) -> set[str]:
    return {t.lower() for t in (el.get("rel") or "").split()}


def _in_svg(el: _Element) -> bool:
    return any(a.tag == "svg" for a in el.iterancestors())


def _parse(page_html: str) -> _Element | None:
    if not page_html.strip():
        return None
    try:
        return lxml_html.document_fromstring(page_html)
    except (ParserError, ValueError):
        return None


def _header_directives(headers: dict[str, str]) -> list[str]:
    out: list[str] = []
    for name, value in headers.items():
        if name.lower() != "x-robots-tag":
            continue
        for part in value.replace("\n", ",").split(","):
            token = part.strip().lower()
            # "googlebot: noindex" scopes the directive to one bot; we keep the directive.
            if ":" in token:
                token = token.split(":", 1)[1].strip()
            if token:
                out.append(token)
    return out


def _metas(root: _Element) -> tuple[list[str], list[str], bool]:
    descriptions: list[str] = []
    directives: list[str] = []
    viewport = False
    for meta in root.iter("meta"):
        name = (meta.get("name") or "").strip().lower()
        content = meta.get("content")
        if name == "description":
            descriptions.append((content or "").strip())
        elif name in ("robots", "googlebot"):
            directives += [t.strip().lower() for t in (content or "").split(",") if t.strip()]
        elif name == "viewport":
            viewport = True
    return descriptions, directives, viewport


def _main_text(root: _Element) -> str:
    """Return the body text outside nav/header/footer; mutates root, so call it last."""
    body = root.find("body")
    if body is None:
        return ""
    for el in list(body.iter(*NON_MAIN_TAGS)):
        if el.getparent() is not None:
            el.drop_tree()  # type: ignore[attr-defined]
    return _SPACE.sub(" ", " ".join(str(t) for t in body.itertext())).strip()


def _links(root: _Element, base: str, scope: UrlScope) -> list[Link]:
    links: list[Link] = []
    for a in root.iter("a"):
        href = a.get("href")
        url = target = None
        if (
            href is not None
            and href.strip()
            and not href.strip().lower().startswith(("javascript:", "mailto:", "tel:", "data:"))
        ):
            url = _join(base, href.strip())
            target = scope.normalize(url) if url is not None else None
        internal = target is not None and scope.is_internal(target)
        links.append(Link(href, url, target, _text(a), internal, "nofollow" in _rel_tokens(a)))
    return links


def _checked_resources(root: _Element, base: str, scope: UrlScope) -> list[str]:
    """Absolute URLs (no fragment) of the same-host images, scripts and stylesheets."""
    found: list[str] = []
    for tag, attr, rel in CHECKED_RESOURCES:
        for el in root.iter(tag):
            value = (el.get(attr) or "").strip()
            if not value or (rel is not None and rel not in _rel_tokens(el)):
                continue
            joined = _join(base, value)
            if joined is None or not joined.lower().startswith(("http://", "https://")):
                continue
            joined = joined.split("#", 1)[0]
            if scope.is_internal(joined):
                found.append(joined)
    return list(dict.fromkeys(found))


def _head_extras(root: _Element) -> tuple[list[str], frozenset[str]]:
    """The meta refresh contents and the og: properties with a non-empty content."""
    refresh: list[str] = []
    og: set[str] = set()
    for meta in root.iter("meta"):
        if (meta.get("http-equiv") or "").strip().lower() == "refresh":
            refresh.append((meta.get("content") or "").strip())
        prop = (meta.get("property") or "").strip().lower()
        if prop.startswith("og:") and (meta.get("content") or "").strip():
            og.add(prop)
    return refresh, frozenset(og)


def _json_ld(root: _Element) -> list[str]:
    return [
        s.text_content()  # type: ignore[attr-defined]
        for s in root.iter("script")
        if (s.get("type") or "").strip().lower() == "application/ld+json"
    ]


def _resources(root: _Element, base: str) -> list[str]:
    found: list[str] = []
    for tag, attr in RESOURCE_ATTRS:
        for el in root.iter(tag):
            value = (el.get(attr) or "").strip()
            joined = _join(base, value) if value else None
            if joined:
                found.append(joined)
    for link in root.iter("link"):
        if _rel_tokens(link) & {"stylesheet", "icon", "preload", "modulepreload"}:
            joined = _join(base, (link.get("href") or "").strip())
            if joined and joined != base:
                found.append(joined)
    return found


def extract_page_facts(page_html: str, response: ResponseFacts, scope: UrlScope) -> PageFacts:
    """Parse one page's HTML (the rendered DOM in browser mode) into PageFacts."""
    headers = dict(response.headers)
    header_directives = _header_directives(headers)
    root = _parse(page_html)
    common = {
        "url": scope.normalize(response.url) or response.url,
        "status": response.status,
        "ttfb_ms": response.ttfb_ms,
        "bytes": response.bytes,
    }
    if root is None:
        return PageFacts(
            robots_directives=tuple(header_directives),
            resources=tuple(response.loaded_resources),
            **common,  # type: ignore[arg-type]
        )
    base = response.url
    base_el = root.find(".//base[@href]")
    if base_el is not None:
        base = _join(response.url, base_el.get("href") or "") or response.url
    descriptions, meta_directives, viewport = _metas(root)
    canonicals: list[str] = []
    hreflangs: list[Hreflang] = []
    for link in root.iter("link"):
        rel = _rel_tokens(link)
        href = (link.get("href") or "").strip()
        if "canonical" in rel:
            canonicals.append(href)
        elif "alternate" in rel and link.get("hreflang") is not None:
            target = _norm(scope, base, href) if href else None
            hreflangs.append(Hreflang((link.get("hreflang") or "").strip(), href, target))
    lang = (root.get("lang") or "").strip() or None
    titles = tuple(_text(t) for t in root.iter("title") if not _in_svg(t))
    h1s = tuple(_text(h) for h in root.iter("h1"))
    links = tuple(_links(root, base, scope))
    images = tuple(
        Image(i.get("src"), i.get("alt"), i.get("width"), i.get("height")) for i in root.iter("img")
    )
    resources = tuple(dict.fromkeys(_resources(root, base) + list(response.loaded_resources)))
    headings = tuple((int(h.tag[1]), _text(h)) for h in root.iter(*_HEADINGS))
    refresh, og = _head_extras(root)
    json_ld = tuple(_json_ld(root))
    subresources = tuple(_checked_resources(root, base, scope))
    main = _main_text(root)
    return PageFacts(
        titles=titles,
        meta_descriptions=tuple(descriptions),
        robots_directives=tuple(meta_directives + header_directives),
        canonicals=tuple(canonicals),
        canonical_targets=tuple(_norm(scope, base, c) if c else None for c in canonicals),
        hreflangs=tuple(hreflangs),
        h1s=h1s,
        links=links,
        images=images,
        lang=lang,
        has_viewport=viewport,
        words=len(_WORD.findall(main)),
        content_hash=hashlib.sha1(main.lower().encode()).hexdigest()[:20] if main else "",
        resources=resources,
        meta_robots=tuple(meta_directives),
        headings=headings,
        meta_refresh=tuple(refresh),
        json_ld=json_ld,
        og_properties=og,
        subresources=subresources,
        **common,  # type: ignore[arg-type]
    )
