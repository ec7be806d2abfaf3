"""SSRF guard: only http(s), and only hosts whose every address is publicly routable."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from seojobs.crawl.urls import SCHEMES
from seojobs.domain.errors import PermanentError, RetryableError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
#: Resolves a host name to the addresses a client would connect to.
Resolver = Callable[[str], Awaitable[list[str]]]

#: IPv6 prefixes that embed an IPv4 address a packet may end up at (NAT64, 6to4, Teredo).
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
#: Special-purpose ranges refused even where the ipaddress module's tables (which vary across
#: Python releases) call them global.
BLOCKED_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "100.64.0.0/10",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "240.0.0.0/4",
        "100::/64",
        "2001:db8::/32",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
    )
)


class UnsafeUrl(ValueError):
    """The URL may not be fetched: bad scheme, or a host that reaches a non-public address."""


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """Return the IPv4 address an IPv6 address maps to (mapped, NAT64, 6to4, Teredo)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    # IPv4-compatible ::a.b.c.d (deprecated, still routed to the IPv4 address by some stacks).
    if int(ip) >> 32 == 0 and int(ip) > 1:
        return ipaddress.IPv4Address(int(ip))
    return None


def is_public_address(ip: IPAddress) -> bool:
    """Tell whether an address is publicly routable (no loopback, private, metadata, ...)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL:
            return False
        inner = embedded_ipv4(ip)
        if inner is not None:
            return is_public_address(inner)
        if ip.scope_id:
            return False
    if any(ip.version == n.version and ip in n for n in BLOCKED_NETWORKS):
        return False
    return bool(
        ip.is_global
        and not ip.is_multicast
        and not ip.is_reserved
        and not ip.is_unspecified
        and not ip.is_loopback
        and not ip.is_link_local
        and not ip.is_private
        and not (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local)
    )


def parse_ip(text: str) -> IPAddress | None:
    """Parse an address literal (brackets and zone allowed); None when text is a host name."""
    value = text.strip("[]")
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses a crawl may reach: public ones, plus explicitly allowed private ones."""

    networks: tuple[IPNetwork, ...] = ()
    hosts: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_allowed(cls, allowed: Iterable[str]) -> AddressPolicy:
        """Build a policy from entries like "127.0.0.0/8", "10.0.0.5" or "intranet.local"."""
        networks: list[IPNetwork] = []
        hosts: set[str] = set()
        for entry in allowed:
            entry = entry.strip()
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                hosts.add(entry.lower().rstrip("."))
        return cls(tuple(networks), frozenset(hosts))

    def address_allowed(self, ip: IPAddress) -> bool:
        """Tell whether connecting to ip is allowed."""
        if any(ip.version == n.version and ip in n for n in self.networks):
            return True
        if isinstance(ip, ipaddress.IPv6Address):
            inner = embedded_ipv4(ip)
            if inner is not None and any(inner in n for n in self.networks if n.version == 4):
                return True
        return is_public_address(ip)

    def host_allowed_by_name(self, host: str) -> bool:
        """Tell whether a host name was allowed explicitly (its addresses are not checked)."""
        return host.lower().rstrip(".") in self.hosts


async def system_resolve(host: str) -> list[str]:
    """Resolve host with the system resolver, as the HTTP clients will."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class Guard:
    """Checks URLs against an AddressPolicy, caching host verdicts for one crawl."""

    def __init__(self, policy: AddressPolicy, resolver: Resolver = system_resolve) -> None:
        """Use policy, resolving names with resolver."""
        self.policy = policy
        self._resolve = resolver
        self._verdicts: dict[str, tuple[str | None, list[str]]] = {}

    async def check_host(self, host: str) -> list[str]:
        """Return the checked addresses of host; UnsafeUrl unless all allowed, OSError if none."""
        key = host.lower().rstrip(".").strip("[]")
        if key not in self._verdicts:
            self._verdicts[key] = await self._verdict(key)
        reason, addresses = self._verdicts[key]
        if reason is not None:
            raise UnsafeUrl(reason)
        return addresses

    async def _verdict(self, host: str) -> tuple[str | None, list[str]]:
        literal = parse_ip(host)
        addresses = [host] if literal is not None else await self._resolve(host)
        if self.policy.host_allowed_by_name(host):
            return None, addresses
        if not addresses:
            return f"{host} resolves to no address", []
        for text in addresses:
            ip = parse_ip(text.split("%", 1)[0])
            if ip is None or not self.policy.address_allowed(ip):
                return f"{host} resolves to non-public address {text}", []
        return None, addresses

    async def check_url(self, url: str) -> list[str]:
        """Return the host's checked addresses; UnsafeUrl unless url is safe, OSError if unknown."""
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - validates the port
        except ValueError as exc:
            raise UnsafeUrl(f"unparsable URL {url!r}") from exc
        if parts.scheme.lower() not in SCHEMES:
            raise UnsafeUrl(f"scheme {parts.scheme!r} is not allowed (http/https only)")
        if not parts.hostname:
            raise UnsafeUrl(f"URL {url!r} has no host")
        return await self.check_host(parts.hostname)


async def guard_for(
    url: str,
    policy: AddressPolicy,
    resolver: Resolver = system_resolve,
    *,
    what: str = "crawl",
    shown: str | None = None,
) -> Guard:
    """A guard for one job on the site at url (checked first, as the user gave it: ``shown``).

    PermanentError if url is unsafe ("refused to <what> ..."), RetryableError if its host does not
    resolve now.
    """
    shown = shown or url
    guard = Guard(policy, resolver)
    try:
        await guard.check_url(url)
    except UnsafeUrl as exc:
        raise PermanentError(f"refused to {what} {shown}: {exc}", url=shown) from exc
    except OSError as exc:
        raise RetryableError(f"cannot resolve {shown}: {exc}", url=shown) from exc
    return guard
