"""URL normalisation: one page has one key, so it is never crawled or reported twice."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

#: Query parameters that only track the visitor and never change the page.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "gclid",
        "fbclid",
        "msclkid",
        "dclid",
        "yclid",
        "gbraid",
        "wbraid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "igshid",
        "twclid",
        "ttclid",
    }
)
#: Query parameter prefixes that only track the visitor.
TRACKING_PREFIXES: tuple[str, ...] = ("utm_",)
#: Directory index file names that are the same page as the directory itself.
INDEX_FILES: frozenset[str] = frozenset({"index.html", "index.htm", "index.php"})
#: Schemes the crawler will ever fetch.
SCHEMES: frozenset[str] = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_PCT = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


def _pct(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else "%" + match.group(1).upper()


def _host(hostname: str) -> str | None:
    host = hostname.lower().rstrip(".")
    if not host:
        return None
    if ":" in host:
        return f"[{host}]"
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return None


def _path(raw: str, strip: bool) -> str:
    path = quote(_PCT.sub(_pct, raw or "/"), safe=_PATH_SAFE)
    trailing = path.endswith("/")
    path = posixpath.normpath(path) if path not in ("", "/") else "/"
    path = "/" + path.lstrip("/")
    if not strip:
        return path + "/" if trailing and path != "/" else path
    head, tail = posixpath.split(path)
    if tail in INDEX_FILES:
        path = head
    return path.rstrip("/") or "/"


def _query(raw: str) -> str:
    pairs = [
        (k, v)
        for k, v in parse_qsl(raw, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    ]
    return urlencode(sorted(pairs))


def _canonical_form(url: str, strip: bool) -> str | None:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES or not parts.hostname:
        return None
    host = _host(parts.hostname)
    if host is None:
        return None
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, _path(parts.path, strip), _query(parts.query), ""))


def normalize_url(url: str) -> str | None:
    """Return the key of a URL (None unless absolute http/https): the form pages are known by."""
    return _canonical_form(url, strip=True)


def fetchable_url(url: str) -> str | None:
    """Return the URL cleaned for fetching: like the key, but keeping a trailing slash."""
    return _canonical_form(url, strip=False)


def site_host(url: str) -> str:
    """Return the host a URL belongs to for internal/external decisions (no www., no port)."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


@dataclass(frozen=True)
class SiteScope:
    """The crawl's URL scope: normalises hrefs and tells the site's own URLs apart."""

    host: str

    @classmethod
    def for_base(cls, base_url: str) -> SiteScope:
        """Build the scope of the site at base_url."""
        return cls(site_host(base_url))

    def normalize(self, url: str) -> str | None:
        """Return the key of url, or None when it is not an absolute http(s) URL."""
        return normalize_url(url)

    def is_internal(self, url: str) -> bool:
        """Tell whether url is on the crawled site (same host, www. ignored, any port)."""
        return site_host(url) == self.host
