"""The SITEMAP_CHECK handler: read a site's sitemaps, GET their URLs politely, report the answers.

It goes through the crawler's SSRF guard (every hop of every request) and its politeness (the
robots.txt rules and Crawl-delay of the site's host), as a crawl does, but fetches no page twice
and stores nothing beside its result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.http_fetch import HttpSession, new_http_client
from seojobs.crawl.politeness import HostPacer, effective_delay
from seojobs.crawl.records import DEFAULT_CRAWL_DELAY_CAP_S, DEFAULT_PAGE_TIMEOUT_S, DEFAULT_USER_AGENT
from seojobs.crawl.robots import RobotsPolicy
from seojobs.crawl.sitemap import MAX_SITEMAPS, parse_sitemap
from seojobs.crawl.ssrf import AddressPolicy, Resolver, guard_for, system_resolve
from seojobs.crawl.tls import TlsPolicy
from seojobs.crawl.urls import fetchable_url
from seojobs.domain.errors import PermanentError, RetryableError
from seojobs.domain.jobs import JobType
from seojobs.domain.registry import parse_payload
from seojobs.domain.sitemap_check import SitemapCheckPayload, SitemapCheckResult, SitemapUrl, lastmods
from seojobs.handlers.crawl_store import site_url
from seojobs.ports.worker import Handler, JobContext
from seojobs.settings import Settings

#: Redirects followed for robots.txt, a sitemap or a listed URL.
MAX_REDIRECTS = 5
#: Progress reported while URLs are still being requested (100 comes with job.completed).
MAX_RUNNING_PROGRESS = 99


def entries(value: str) -> tuple[str, ...]:
    """The items of a comma-separated setting."""
    return tuple(p.strip() for p in value.split(",") if p.strip())


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of an absolute URL."""
    return "/".join(url.split("/", 3)[:3])


@dataclass
class SitemapRead:
    """The sitemaps read and the URLs (with lastmod) they list, in order, each once."""

    sitemaps: list[str] = field(default_factory=list)
    urls: dict[str, str | None] = field(default_factory=dict)


class SitemapCheck:
    """Runs SITEMAP_CHECK jobs over one shared HTTP client (closed with the worker)."""

    def __init__(
        self,
        engine: AsyncEngine,
        allowed_private: tuple[str, ...] = (),
        tls_insecure_hosts: tuple[str, ...] = (),
        *,
        resolver: Resolver = system_resolve,
        user_agent: str = DEFAULT_USER_AGENT,
        timeout_s: float = DEFAULT_PAGE_TIMEOUT_S,
    ) -> None:
        self.engine = engine
        self.policy = AddressPolicy.from_allowed(allowed_private)
        self.tls = TlsPolicy.from_entries(tls_insecure_hosts)
        self.resolver = resolver
        self.user_agent = user_agent
        self.timeout_s = timeout_s
        self._client = new_http_client()
        self._insecure: httpx.AsyncClient | None = new_http_client(verify=False) if self.tls.enabled else None

    async def aclose(self) -> None:
        """Close the HTTP clients."""
        await self._client.aclose()
        if self._insecure is not None:
            await self._insecure.aclose()

    async def __call__(self, ctx: JobContext) -> dict[str, Any]:
        """Check the site's sitemap URLs, reporting progress after each (a cancellation point)."""
        payload: SitemapCheckPayload = parse_payload(JobType.SITEMAP_CHECK, ctx.payload)
        base = await site_url(self.engine, payload.site_id)
        if base is None:
            raise PermanentError(f"site {payload.site_id} no longer exists")
        http = await self._session(base)
        origin = origin_of(fetchable_url(base) or base)
        robots_answer = await http.get_text(f"{origin}/robots.txt", self.timeout_s, MAX_REDIRECTS)
        if robots_answer.status is None and not (robots_answer.error or "").startswith("blocked"):
            raise RetryableError(f"site unreachable: {robots_answer.error}", url=origin)
        robots = RobotsPolicy.from_response(
            f"{origin}/robots.txt", robots_answer.status, robots_answer.body.decode("utf-8", errors="replace")
        )
        pacer = HostPacer(effective_delay(robots.crawl_delay(self.user_agent), DEFAULT_CRAWL_DELAY_CAP_S))
        await ctx.progress(0, f"reading the sitemaps of {origin}")
        read = await self._read(http, pacer, [*robots.sitemaps(), f"{origin}/sitemap.xml"])
        chosen = list(read.urls.items())[: payload.max_urls]
        checked: list[SitemapUrl] = []
        for done, (url, lastmod) in enumerate(chosen, start=1):
            checked.append(await self._check(http, pacer, robots, url, lastmod))
            await ctx.progress(min(done * 100 // len(chosen), MAX_RUNNING_PROGRESS), url)
        broken = sum(1 for u in checked if u.status is None or u.status >= 400)
        result = SitemapCheckResult(
            sitemaps=read.sitemaps,
            total_urls=len(read.urls),
            checked=len(checked),
            broken=broken,
            urls=checked,
        )
        return result.model_dump(mode="json", by_alias=True)

    async def _session(self, base: str) -> HttpSession:
        url = fetchable_url(base)
        if url is None:
            raise PermanentError(f"not an absolute http(s) URL: {base!r}", url=base)
        guard = await guard_for(url, self.policy, self.resolver, what="check", shown=base)
        return HttpSession(self._client, guard, self.user_agent, self._insecure, self.tls)

    async def _read(self, http: HttpSession, pacer: HostPacer, queue: list[str]) -> SitemapRead:
        """Read the sitemaps (indexes followed, at most MAX_SITEMAPS) on the site's own origin."""
        read = SitemapRead()
        origin = origin_of(queue[-1])
        queue = list(dict.fromkeys(queue))
        while queue and len(read.sitemaps) < MAX_SITEMAPS:
            url = queue.pop(0)
            if origin_of(url) != origin or url in read.sitemaps:
                continue
            async with pacer.turn():
                answer = await http.get_text(url, self.timeout_s, MAX_REDIRECTS)
            if answer.status != 200:
                continue
            read.sitemaps.append(url)
            sitemap = parse_sitemap(answer.body)
            queue += sitemap.children
            dates = lastmods(answer.body)
            for loc in sitemap.urls:  # one host's politeness covers only its own URLs
                if origin_of(loc) == origin:
                    read.urls.setdefault(loc, dates.get(loc))
        return read

    async def _check(
        self, http: HttpSession, pacer: HostPacer, robots: RobotsPolicy, url: str, lastmod: str | None
    ) -> SitemapUrl:
        if not robots.can_fetch(url, self.user_agent):
            return SitemapUrl(url=url, lastmod=lastmod, error="disallowed by robots.txt")
        async with pacer.turn():
            answer = await http.get_text(url, self.timeout_s, MAX_REDIRECTS)
        return SitemapUrl(url=url, lastmod=lastmod, status=answer.status, error=answer.error)


async def build(settings: Settings, engine: AsyncEngine) -> Handler:
    """The handler over the worker's engine, with the crawler's network settings."""
    return SitemapCheck(
        engine, entries(settings.crawl_allowed_private), entries(settings.crawl_tls_insecure_hosts)
    )
