"""Which hosts a crawl accepts an untrusted TLS certificate from: none unless told."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from seojobs.crawl.ssrf import AddressPolicy, IPNetwork, parse_ip

#: How a fetch error caused by a certificate the crawler does not trust begins.
TLS_UNTRUSTED = "untrusted TLS certificate"


def untrusted_message(host: str, reason: str) -> str:
    """The error text of a fetch refused because host's certificate failed verification."""
    return (
        f"{TLS_UNTRUSTED} for {host}: {reason} (the crawler accepts it only for hosts "
        "listed in tls_insecure_hosts)"
    )


@dataclass(frozen=True)
class TlsPolicy:
    """Hosts whose certificate is not verified, by IP literal (networks) or exact host name."""

    networks: tuple[IPNetwork, ...] = ()
    names: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> TlsPolicy:
        """Build from entries like "127.0.0.1/32", "::1" or "intranet.local" (as allowed_private)."""
        parsed = AddressPolicy.from_allowed(entries)
        return cls(parsed.networks, parsed.hosts)

    @property
    def enabled(self) -> bool:
        """Whether any host is exempt (a browser context then ignores certificate errors)."""
        return bool(self.networks or self.names)

    def insecure(self, host: str) -> bool:
        """Tell whether host (a URL's host, not a resolved address) skips certificate checks."""
        key = host.lower().rstrip(".").strip("[]")
        ip = parse_ip(key.split("%", 1)[0])
        if ip is None:
            return key in self.names
        return any(ip.version == n.version and ip in n for n in self.networks)
