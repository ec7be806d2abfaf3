"""SSRF address checks: every address class, IPv4-mapped tricks, the allow list."""

from __future__ import annotations

import ipaddress

import pytest

from seojobs.crawl.ssrf import AddressPolicy, Guard, UnsafeUrl, embedded_ipv4, is_public_address


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("93.184.216.34", True),
        ("2001:4860:4860::8888", True),
        ("::ffff:8.8.8.8", True),
        ("127.0.0.1", False),
        ("127.255.255.254", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("255.255.255.255", False),
        ("224.0.0.1", False),
        ("192.0.0.8", False),
        ("198.18.0.1", False),
        ("::1", False),
        ("::", False),
        ("fc00::1", False),
        ("fd12:3456::1", False),
        ("fe80::1", False),
        ("fec0::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:169.254.169.254", False),
        ("::ffff:10.0.0.1", False),
        ("::127.0.0.1", False),
        ("64:ff9b::7f00:1", False),
        ("64:ff9b::a9fe:a9fe", False),
        ("2002:7f00:1::", False),
        ("2002:a9fe:a9fe::", False),
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public


def test_embedded_ipv4_unwraps_mapped_addresses() -> None:
    assert str(embedded_ipv4(ipaddress.IPv6Address("::ffff:192.168.0.1"))) == "192.168.0.1"
    assert embedded_ipv4(ipaddress.IPv6Address("2001:4860::1")) is None


def _resolver(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    async def resolve(host: str) -> list[str]:
        if host not in table:
            raise OSError(f"unknown host {host}")
        return table[host]

    return resolve


async def test_every_address_must_be_public() -> None:
    guard = Guard(
        AddressPolicy(),
        _resolver(
            {
                "good.example": ["93.184.216.34", "2606:2800:220:1::1"],
                "mixed.example": ["93.184.216.34", "10.0.0.5"],
                "rebind.example": ["::ffff:127.0.0.1"],
            }
        ),
    )
    assert await guard.check_url("https://good.example/x") == ["93.184.216.34", "2606:2800:220:1::1"]
    with pytest.raises(UnsafeUrl, match=r"10\.0\.0\.5"):
        await guard.check_url("https://mixed.example/")
    with pytest.raises(UnsafeUrl):
        await guard.check_url("http://rebind.example/")
    with pytest.raises(OSError):
        await guard.check_url("http://nowhere.example/")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://93.184.216.34/",
        "gopher://93.184.216.34/",
        "http:///x",
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1%25eth0]/",
    ],
)
async def test_unsafe_urls_are_refused(url: str) -> None:
    guard = Guard(AddressPolicy(), _resolver({}))
    with pytest.raises(UnsafeUrl):
        await guard.check_url(url)


async def test_allowed_private_lets_named_networks_and_hosts_through() -> None:
    policy = AddressPolicy.from_allowed(["127.0.0.0/8", "intranet.local", "10.1.2.3"])
    guard = Guard(policy, _resolver({"intranet.local": ["192.168.7.7"], "x.test": ["10.1.2.3"]}))
    assert await guard.check_url("http://127.0.0.1:8080/")
    assert await guard.check_url("http://[::ffff:127.0.0.9]/")
    assert await guard.check_url("http://intranet.local/") == ["192.168.7.7"]
    assert await guard.check_url("http://x.test/") == ["10.1.2.3"]
    with pytest.raises(UnsafeUrl):
        await guard.check_url("http://10.1.2.4/")
    with pytest.raises(UnsafeUrl):
        await guard.check_url("http://[::1]/")


async def test_verdicts_are_cached_per_guard() -> None:
    calls: list[str] = []

    async def resolve(host: str) -> list[str]:
        calls.append(host)
        return ["93.184.216.34"]

    guard = Guard(AddressPolicy(), resolve)
    await guard.check_url("http://a.example/1")
    await guard.check_url("http://A.example./2")
    assert calls == ["a.example"]
