"""Render mode "http": plain httpx fetches, redirects followed by hand through the SSRF guard."""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from seojobs.crawl.fetching import MAX_REDIRECTS, FetchResult, Hop, TextResponse
from seojobs.crawl.ssrf import Guard, UnsafeUrl
from seojobs.crawl.tls import TlsPolicy, untrusted_message

#: Connections the shared client keeps open (keep-alive) across all crawls of the process.
MAX_CONNECTIONS = 64
#: Bodies above this many bytes are cut (a page_too_heavy page still counts what was read).
MAX_BODY_BYTES = 16 * 1024 * 1024
#: Connect timeout of one request in seconds (the page timeout bounds the whole fetch).
CONNECT_TIMEOUT_S = 10.0
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


def new_http_client(verify: bool = True) -> httpx.AsyncClient:
    """Build a process-wide client: keep-alive pool, no automatic redirects, no env proxies.

    verify=False only for the separate client of the hosts a crawl lists in tls_insecure_hosts
    (its own pool, so no connection ever moves between the two).
    """
    limits = httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS)
    return httpx.AsyncClient(
        limits=limits,
        follow_redirects=False,
        trust_env=False,
        verify=verify,
        timeout=httpx.Timeout(CONNECT_TIMEOUT_S * 3, connect=CONNECT_TIMEOUT_S),
    )


@dataclass
class _Walk:
    hops: list[Hop] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)


class HttpSession:
    """One crawl's plain-HTTP fetcher over the shared client, every hop checked by guard."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        guard: Guard,
        user_agent: str,
        insecure_client: httpx.AsyncClient | None = None,
        tls: TlsPolicy | None = None,
    ) -> None:
        """Fetch with client as user_agent, refusing what guard refuses.

        URLs whose host tls exempts go through insecure_client (no certificate verification).
        """
        self._client = client
        self._insecure_client = insecure_client
        self._tls = tls or TlsPolicy()
        self._guard = guard
        self._headers = {"User-Agent": user_agent, "Accept": "text/html,application/xhtml+xml,*/*"}

    async def _check(self, url: str) -> str | None:
        try:
            await self._guard.check_url(url)
        except UnsafeUrl as exc:
            return f"blocked: {exc}"
        except OSError as exc:
            return f"unresolvable host: {exc}"
        return None

    def _client_for(self, url: str) -> httpx.AsyncClient:
        if self._insecure_client is not None and self._tls.insecure(urlsplit(url).hostname or ""):
            return self._insecure_client
        return self._client

    async def _walk(self, url: str, max_redirects: int, started: float) -> FetchResult:
        walk = _Walk()
        current = url
        for _ in range(max_redirects + 1):
            refused = await self._check(current)
            if refused is not None:
                return FetchResult(
                    url, None, current, tuple(walk.hops), error=refused, blocked=refused.startswith("blocked")
                )
            walk.seen.add(current)
            async with self._client_for(current).stream("GET", current, headers=self._headers) as resp:
                ttfb_ms = (time.perf_counter() - started) * 1000
                location = resp.headers.get("location")
                if resp.status_code in _REDIRECTS and location:
                    walk.hops.append(Hop(current, resp.status_code))
                    current = urljoin(current, location.strip())
                    if current in walk.seen:
                        break
                    started = time.perf_counter()
                    continue
                body = await _read_capped(resp)
                header_bytes = sum(len(k) + len(v) + 4 for k, v in resp.headers.items())
                return FetchResult(
                    url,
                    resp.status_code,
                    current,
                    tuple(walk.hops),
                    dict(resp.headers),
                    html=_decode_html(resp, body),
                    ttfb_ms=ttfb_ms,
                    bytes=resp.num_bytes_downloaded + header_bytes,
                )
        return FetchResult(url, None, current, tuple(walk.hops), error="redirect loop", loop=True)

    async def fetch(self, url: str, timeout_s: float) -> FetchResult:
        """Fetch url and its redirects within timeout_s; never raises for network trouble."""
        try:
            async with asyncio.timeout(timeout_s):
                return await self._walk(url, MAX_REDIRECTS, time.perf_counter())
        except TimeoutError:
            return FetchResult(url, None, url, error=f"timeout after {timeout_s:.0f} s")
        except httpx.HTTPError as exc:
            return FetchResult(url, None, url, error=describe_error(exc, url))

    async def get_text(self, url: str, timeout_s: float, max_redirects: int) -> TextResponse:
        """GET a small document (robots.txt, sitemap); refused or failed gives status None."""
        return await self._get(url, timeout_s, max_redirects, read=True)

    async def get_status(self, url: str, timeout_s: float, max_redirects: int) -> TextResponse:
        """GET url for its final status only (a sub-resource check): the body is not read."""
        return await self._get(url, timeout_s, max_redirects, read=False)

    async def _get(self, url: str, timeout_s: float, max_redirects: int, read: bool) -> TextResponse:
        try:
            async with asyncio.timeout(timeout_s):
                current = url
                for _ in range(max_redirects + 1):
                    refused = await self._check(current)
                    if refused is not None:
                        return TextResponse(current, None, error=refused)
                    client = self._client_for(current)
                    async with client.stream("GET", current, headers=self._headers) as resp:
                        location = resp.headers.get("location")
                        if resp.status_code in _REDIRECTS and location:
                            current = urljoin(current, location.strip())
                            continue
                        body = await _read_capped(resp) if read else b""
                        return TextResponse(current, resp.status_code, body)
                return TextResponse(current, None, error="too many redirects")
        except TimeoutError:
            return TextResponse(url, None, error="timeout")
        except httpx.HTTPError as exc:
            return TextResponse(url, None, error=describe_error(exc, url))

    async def close(self) -> None:
        """Nothing to release: the client is shared by the process."""


def _certificate_failure(exc: BaseException) -> str | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLCertVerificationError):
            return current.verify_message or str(current)
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def describe_error(exc: httpx.HTTPError, url: str) -> str:
    """The fetch error text: a certificate verification failure says so plainly."""
    reason = _certificate_failure(exc)
    if reason is None:
        return f"{type(exc).__name__}: {exc}"
    try:
        host = exc.request.url.host
    except RuntimeError:
        host = urlsplit(url).hostname or url
    return untrusted_message(host, reason)


async def _read_capped(resp: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= MAX_BODY_BYTES:
            break
    return b"".join(chunks)


def _decode_html(resp: httpx.Response, body: bytes) -> str | None:
    content_type = resp.headers.get("content-type", "text/html").lower()
    if "html" not in content_type:
        return None
    return body.decode(resp.charset_encoding or "utf-8", errors="replace")
