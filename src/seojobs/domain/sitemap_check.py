"""SITEMAP_CHECK's payload and result: a site's sitemap, its URLs, their statuses and lastmod dates."""

from __future__ import annotations

import uuid

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field

#: URLs a check requests when the request does not say.
DEFAULT_MAX_URLS = 50
#: Most URLs one check requests (each is a polite GET of the site).
MAX_MAX_URLS = 500


class SitemapCheckPayload(BaseModel):
    """SITEMAP_CHECK: which site, for whom, how many of its sitemap's URLs to request."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    site_id: uuid.UUID = Field(alias="siteId")
    user_id: uuid.UUID = Field(alias="userId")
    max_urls: int = Field(DEFAULT_MAX_URLS, alias="maxUrls", ge=1, le=MAX_MAX_URLS)


class SitemapUrl(BaseModel):
    """One URL the sitemap lists: its lastmod as written, and the status a GET of it answered."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    url: str
    lastmod: str | None = None
    #: HTTP status; None when the request was refused (SSRF guard, robots.txt) or failed.
    status: int | None = None
    error: str | None = None


class SitemapCheckResult(BaseModel):
    """What a sitemap check found (the job's stored result, camelCase keys)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    #: As in every job's result (the job.completed schema requires it).
    success: bool = True
    sitemaps: list[str] = Field(default_factory=list)
    total_urls: int = Field(0, alias="totalUrls")
    checked: int = 0
    broken: int = 0
    urls: list[SitemapUrl] = Field(default_factory=list)


def lastmods(body: bytes) -> dict[str, str]:
    """The ``<lastmod>`` of each ``<url>`` of a urlset (junk gives an empty map)."""
    if not body.strip():
        return {}
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return {}
    found: dict[str, str] = {}
    for url in [] if root is None else root.iter("{*}url"):
        loc = url.find("{*}loc")
        mod = url.find("{*}lastmod")
        if loc is not None and loc.text and mod is not None and mod.text:
            found[loc.text.strip()] = mod.text.strip()
    return found
