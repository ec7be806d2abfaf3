"""robots.txt per RFC 9309: status handling, matching via protego, and a small linter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from protego import Protego

from seojobs.domain.seo.facts import RobotsFacts

#: Directives we know; anything else in a robots.txt is reported as unknown.
KNOWN_DIRECTIVES: frozenset[str] = frozenset(
    {
        "user-agent",
        "allow",
        "disallow",
        "crawl-delay",
        "sitemap",
        "host",
        "clean-param",
        "request-rate",
        "visit-time",
    }
)
#: The most bytes of robots.txt that are parsed (RFC 9309 asks for at least 500 KiB).
MAX_ROBOTS_BYTES = 512 * 1024

Mode = Literal["allow_all", "disallow_all", "parsed"]


def lint_robots(body: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return (unknown directives, invalid Sitemap values) of a robots.txt body."""
    unknown: list[str] = []
    invalid_sitemaps: list[str] = []
    for raw in body.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if ":" not in line:
            unknown.append(line[:80])
            continue
        name, value = (part.strip() for part in line.split(":", 1))
        key = name.lower()
        if key not in KNOWN_DIRECTIVES:
            unknown.append(name[:80])
        elif key == "sitemap":
            parts = urlsplit(value)
            if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
                invalid_sitemaps.append(value[:200])
    return tuple(dict.fromkeys(unknown)), tuple(invalid_sitemaps)


@dataclass(frozen=True)
class RobotsPolicy:
    """The crawl's decision procedure for one host's robots.txt."""

    url: str
    status: int | None
    mode: Mode
    body: str = ""

    @classmethod
    def from_response(cls, url: str, status: int | None, body: str) -> RobotsPolicy:
        """Decide per RFC 9309: 2xx parse, 4xx allow all, 5xx or no answer disallow all."""
        if status is None or status >= 500 or status == 429:
            return cls(url, status, "disallow_all")
        if status >= 400:
            return cls(url, status, "allow_all")
        if 200 <= status < 300:
            return cls(url, status, "parsed", body[:MAX_ROBOTS_BYTES])
        # A redirect that could not be followed to a final answer counts as unavailable.
        return cls(url, status, "allow_all")

    def _parser(self) -> Protego:
        cached: Protego | None = self.__dict__.get("_protego")
        if cached is None:
            cached = Protego.parse(self.body)
            object.__setattr__(self, "_protego", cached)
        return cached

    def can_fetch(self, url: str, user_agent: str) -> bool:
        """Tell whether user_agent may fetch url."""
        if self.mode != "parsed":
            return self.mode == "allow_all"
        if urlsplit(url).path == "/robots.txt":
            return True
        return bool(self._parser().can_fetch(url, user_agent))

    def crawl_delay(self, user_agent: str) -> float | None:
        """Return the Crawl-delay (seconds) that applies to user_agent, if any."""
        if self.mode != "parsed":
            return None
        delay = self._parser().crawl_delay(user_agent)
        return float(delay) if delay is not None else None

    def sitemaps(self) -> tuple[str, ...]:
        """Return the Sitemap URLs listed (absolute http(s) ones only)."""
        if self.mode != "parsed":
            return ()
        _, invalid = lint_robots(self.body)
        return tuple(s for s in self._parser().sitemaps if s not in invalid)

    def facts(self) -> RobotsFacts:
        """Return what the rules need to judge this robots.txt."""
        unknown, invalid = lint_robots(self.body) if self.mode == "parsed" else ((), ())
        return RobotsFacts(self.url, self.status, unknown, invalid)
