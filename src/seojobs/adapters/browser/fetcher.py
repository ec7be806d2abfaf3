"""Render mode "browser": Chromium renders each page; the checked DOM is the one after JS."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Browser, BrowserContext, Page, Response, Route
from playwright.async_api import Error as PlaywrightError

from seojobs.adapters.browser.measure import (
    OBSERVER_JS,
    PageLog,
    raw_body,
    read_experience,
    watch,
)
from seojobs.adapters.browser.proxy import BLOCKED_HEADER, GuardProxy
from seojobs.crawl.fetching import FetchResult, Hop
from seojobs.crawl.ssrf import Guard, UnsafeUrl
from seojobs.crawl.tls import TlsPolicy, untrusted_message
from seojobs.domain.seo.render_facts import Experience

#: Schemes the page may load without a network request.
LOCAL_SCHEMES: frozenset[str] = frozenset({"data", "blob", "about"})
#: Seconds the page-experience measurement goes on after the load event (CLS "until 3 s after load").
MEASURE_AFTER_LOAD_S = 3.0
#: Collects TTFB, transferred bytes, loaded resource URLs and the DOM size.
PERF_JS = """(withHtml) => {
  const nav = performance.getEntriesByType('navigation')[0];
  const res = performance.getEntriesByType('resource');
  let bytes = nav ? (nav.transferSize || nav.encodedBodySize || 0) : 0;
  for (const r of res) bytes += (r.transferSize || r.encodedBodySize || 0);
  return {ttfb: nav ? nav.responseStart - nav.requestStart : null, bytes: bytes,
          resources: res.map(r => r.name),
          elements: document.getElementsByTagName('*').length,
          html: withHtml ? '<!DOCTYPE html>' + document.documentElement.outerHTML : null};
}"""
_BLOCKED = BLOCKED_HEADER.lower()
#: Chromium's certificate errors (net::ERR_CERT_AUTHORITY_INVALID and its siblings).
_CERT_ERROR = re.compile(r"net::(ERR_CERT_[A-Z_]+)")


class BrowserSession:
    """A crawl's browser context: pages reused across fetches, every request guarded.

    A fetch returns at the load event; its page stays open for the rest of the measurement and
    goes back to the pool only when the crawl awaits the result's settle(), so measuring never
    holds a fetch slot.
    """

    def __init__(
        self,
        browser: Browser,
        guard: Guard,
        user_agent: str,
        proxy_port: int,
        tls: TlsPolicy | None = None,
        measure_after_load_s: float = MEASURE_AFTER_LOAD_S,
    ) -> None:
        """Prepare a context on browser for one crawl (certificates checked unless tls exempts)."""
        self._measure_s = measure_after_load_s
        self._browser = browser
        self._guard = guard
        self._user_agent = user_agent
        self._tls = tls or TlsPolicy()
        self._proxy = GuardProxy(guard, port=proxy_port, tls=self._tls)
        self._context: BrowserContext | None = None
        self._idle: list[Page] = []
        self._navs: dict[Page, PageLog] = {}
        self.blocked: dict[str, str] = {}

    async def start(self) -> None:
        """Start the guard proxy and the context with route interception."""
        await self._proxy.start()
        # Chromium can only ignore certificate errors per context; the proxy then verifies the
        # certificate of every host the policy does not exempt before it opens a tunnel.
        self._context = await self._browser.new_context(
            user_agent=self._user_agent,
            service_workers="block",
            accept_downloads=False,
            proxy={"server": self._proxy.url, "bypass": "<-loopback>"},
            ignore_https_errors=self._tls.enabled,
        )
        await self._context.add_init_script(OBSERVER_JS)
        await self._context.route("**/*", self._route)

    async def _route(self, route: Route) -> None:
        url = route.request.url
        with contextlib.suppress(PlaywrightError):
            if url.endswith("/favicon.ico"):
                # Chromium asks for it on every page; nothing the rules check needs it.
                await route.abort()
                return
            if url.split(":", 1)[0].lower() in LOCAL_SCHEMES:
                await route.continue_()
                return
            try:
                await self._guard.check_url(url)
            except (UnsafeUrl, OSError) as exc:
                self.blocked[url] = str(exc)
                await route.abort("blockedbyclient")
                return
            await route.continue_()

    async def _page(self) -> Page:
        if self._idle:
            return self._idle.pop()
        assert self._context is not None, "start() first"
        page = await self._context.new_page()
        self._navs[page] = log = PageLog()
        watch(page, log)
        return page

    async def fetch(self, url: str, timeout_s: float) -> FetchResult:
        """Render url; the result carries the DOM after scripts ran."""
        page = await self._page()
        nav = self._navs[page]
        nav.clear()
        try:
            response = await page.goto(url, wait_until="load", timeout=timeout_s * 1000)
            loaded = time.monotonic()
            if response is None:
                raise PlaywrightError("no response")
            result = await self._rendered(page, url, response)
        except PlaywrightError as exc:
            result = self._failed(url, nav, str(exc), timeout_s)
            # An error page keeps navigating; a fresh tab avoids "interrupted by" on the next URL.
            self._navs.pop(page, None)
            with contextlib.suppress(PlaywrightError):
                await page.close()
            return result
        if result.blocked:
            self._idle.append(page)
            return result
        return replace(
            result,
            resource_statuses=tuple(nav.resources.items()),
            settle=lambda: self._settle(page, nav, loaded),
        )

    async def _settle(self, page: Page, nav: PageLog, loaded: float) -> Experience:
        """Wait until the measurement ends, read it, and give the page back to the pool."""
        try:
            await asyncio.sleep(max(0.0, loaded + self._measure_s - time.monotonic()))
            return await read_experience(page, nav)
        finally:
            if not page.is_closed():
                self._idle.append(page)

    async def _rendered(self, page: Page, url: str, response: Response) -> FetchResult:
        hops: list[Hop] = []
        request = response.request.redirected_from
        while request is not None:
            previous = await request.response()
            hops.insert(0, Hop(request.url, previous.status if previous else 302))
            request = request.redirected_from
        headers = response.headers
        if _BLOCKED in headers:
            return FetchResult(
                url, None, response.url, tuple(hops), error=f"blocked: {headers[_BLOCKED]}", blocked=True
            )
        # The rendered DOM with the timings, and the raw body, in parallel.
        is_html = "html" in headers.get("content-type", "html")
        perf_dict, raw = await asyncio.gather(
            page.evaluate(PERF_JS, is_html), raw_body(response) if is_html else _none()
        )
        perf: dict[str, Any] = perf_dict
        html = perf.get("html")
        ttfb = perf.get("ttfb")
        return FetchResult(
            url,
            response.status,
            response.url,
            tuple(hops),
            headers,
            html=html if isinstance(html, str) else None,
            ttfb_ms=float(ttfb) if isinstance(ttfb, int | float) else None,
            bytes=int(perf.get("bytes") or 0),
            resources=tuple(perf.get("resources") or ()),
            raw_html=raw,
            dom_elements=int(perf.get("elements") or 0),
        )

    def _failed(self, url: str, nav: PageLog, message: str, timeout_s: float) -> FetchResult:
        hops = tuple(Hop(u, s) for u, s, _ in nav.responses if 300 <= s < 400)
        final = [(u, s, h) for u, s, h in nav.responses if not 300 <= s < 400]
        first_line = message.splitlines()[0] if message else "navigation failed"
        if "ERR_TOO_MANY_REDIRECTS" in message:
            return FetchResult(url, None, url, hops, error="redirect loop", loop=True)
        if final and _BLOCKED in final[-1][2]:
            return FetchResult(
                url, None, final[-1][0], hops, error="blocked: " + final[-1][2][_BLOCKED], blocked=True
            )
        tls_error = self._tls_error(url, message)
        if tls_error is not None:
            return FetchResult(url, None, url, hops, error=tls_error)
        if "ERR_BLOCKED_BY_CLIENT" in message or url in self.blocked:
            return FetchResult(url, None, url, hops, error="blocked: " + first_line, blocked=True)
        if final:
            last_url, status, headers = final[-1]
            return FetchResult(url, status, last_url, hops, headers, error=first_line)
        if "Timeout" in message:
            return FetchResult(url, None, url, hops, error=f"timeout after {timeout_s:.0f} s")
        return FetchResult(url, None, url, hops, error=first_line)

    def _tls_error(self, url: str, message: str) -> str | None:
        """The certificate failure behind a failed navigation: Chromium's own, or the proxy's."""
        if "ERR_TUNNEL_CONNECTION" in message:
            return self._proxy.tls_refusal(url)
        cert_error = _CERT_ERROR.search(message)
        if cert_error is None:
            return None
        return untrusted_message(urlsplit(url).hostname or url, cert_error.group(1))

    async def close(self) -> None:
        """Close the context and the proxy."""
        if self._context is not None:
            with contextlib.suppress(PlaywrightError):
                await self._context.close()
            self._context = None
        await self._proxy.close()


async def _none() -> None:
    return None
