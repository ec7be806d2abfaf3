"""guard_for: a job's guard, its site URL checked first (shared by the crawl and SITEMAP_CHECK)."""

from __future__ import annotations

import pytest

from seojobs.crawl.ssrf import AddressPolicy, guard_for
from seojobs.domain.errors import PermanentError, RetryableError


async def resolve_public(host: str) -> list[str]:
    """Every name is a public address."""
    return ["93.184.216.34"]


async def resolve_private(host: str) -> list[str]:
    """Every name is a private address."""
    return ["10.0.0.7"]


async def resolve_nothing(host: str) -> list[str]:
    """No name resolves."""
    raise OSError("name or service not known")


async def test_a_public_site_gets_a_guard_that_knows_its_host() -> None:
    guard = await guard_for("https://shop.example/", AddressPolicy(), resolve_public)
    assert await guard.check_host("shop.example") == ["93.184.216.34"]


async def test_a_private_site_is_refused_for_good_naming_the_job_and_the_url_shown() -> None:
    with pytest.raises(PermanentError, match=r"refused to check shop.example: .*10\.0\.0\.7"):
        await guard_for(
            "https://shop.example/", AddressPolicy(), resolve_private, what="check", shown="shop.example"
        )


async def test_an_allowed_private_network_is_let_through() -> None:
    await guard_for("http://intranet/", AddressPolicy.from_allowed(["10.0.0.0/8"]), resolve_private)


async def test_a_name_that_does_not_resolve_is_worth_retrying() -> None:
    with pytest.raises(RetryableError, match=r"cannot resolve https://gone\.example/"):
        await guard_for("https://gone.example/", AddressPolicy(), resolve_nothing)
