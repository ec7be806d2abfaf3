"""Sitemap parsing (urlset and sitemapindex), tolerant of broken XML."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

#: Sitemaps beyond this many per crawl are ignored (indexes can fan out widely).
MAX_SITEMAPS = 10
#: The most URLs taken from all sitemaps of one crawl.
MAX_SITEMAP_URLS = 50_000


@dataclass(frozen=True)
class Sitemap:
    """The page URLs and child sitemap URLs one sitemap document lists."""

    urls: tuple[str, ...]
    children: tuple[str, ...]


def parse_sitemap(body: bytes) -> Sitemap:
    """Parse a sitemap or sitemap index; junk gives an empty Sitemap."""
    if not body.strip():
        return Sitemap((), ())
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return Sitemap((), ())
    if root is None:
        return Sitemap((), ())
    locs = [(el.getparent(), (el.text or "").strip()) for el in root.iter("{*}loc")]
    urls = tuple(loc for parent, loc in locs if loc and _local(parent) == "url")
    children = tuple(loc for parent, loc in locs if loc and _local(parent) == "sitemap")
    return Sitemap(urls[:MAX_SITEMAP_URLS], children)


def _local(el: etree._Element | None) -> str:
    if el is None or not isinstance(el.tag, str):
        return ""
    return etree.QName(el).localname
