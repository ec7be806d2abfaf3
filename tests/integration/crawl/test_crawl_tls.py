"""TLS: a self-signed https page is crawled only when its host is listed in tls_insecure_hosts."""

from __future__ import annotations

import pytest

from seojobs.crawl.engine import Crawler, CrawlOptions, CrawlProgress, CrawlReport
from seojobs.crawl.tls import TLS_UNTRUSTED
from seojobs.domain.errors import PermanentError
from tests.integration.crawl.conftest import ALLOWED, SCENARIO_HTTPS_PORT, TLS_INSECURE, ScenarioFactory

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

SECURE = f"https://127.0.0.1:{SCENARIO_HTTPS_PORT}/secure"
LEAF = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'


def _page(body: str) -> str:
    return f"<!doctype html><html lang=en><head><title>t</title></head><body>{body}</body></html>"


#: A plain-http home linking to an https-only page that loads an image over plain http.
SITE = {
    "index.html": _page('<a href="{{https_origin}}/secure">Secure page</a>'),
    "secure.html": _page('<img src="{{http_origin}}/leaf.svg" alt="leaf">'),
    "leaf.svg": LEAF,
}
ROUTES = {"/secure": {"https_only": True}}


async def _ignore(_: CrawlProgress) -> None:
    return None


async def _crawl(crawler: Crawler, base: str, render: str, insecure: tuple[str, ...]) -> CrawlReport:
    options = CrawlOptions(
        render=render,  # type: ignore[arg-type]
        allowed_private=ALLOWED,
        tls_insecure_hosts=insecure,
    )
    return await crawler.crawl(base, options, _ignore)


@pytest.mark.parametrize("render", ["http", "browser"])
async def test_a_self_signed_page_is_fetched_only_when_its_host_is_listed(
    crawler: Crawler, scenario: ScenarioFactory, render: str
) -> None:
    origin = scenario.serve(SITE, ROUTES, https=True)
    # Off by default, and listing other hosts does not help this one (in browser mode the context
    # then ignores certificate errors, and the guard proxy checks the certificate instead).
    for listed in ((), ("127.0.0.2/32", "localhost")):
        report = await _crawl(crawler, origin + "/", render, listed)
        assert {p.url: p.status for p in report.pages}[SECURE] is None, listed
        broken = [i for i in report.issues if i.rule == "broken_link"]
        assert [i.url for i in broken] == [origin + "/"], listed
        assert f"{TLS_UNTRUSTED} for 127.0.0.1" in broken[0].evidence, broken[0].evidence
        if render == "http" or listed:
            # Verified by Python: httpx, or the guard proxy for a browser that ignores errors.
            assert "self-signed certificate" in broken[0].evidence
        assert "mixed_content" not in {i.rule for i in report.issues}
    report = await _crawl(crawler, origin + "/", render, TLS_INSECURE)
    assert {p.url: p.status for p in report.pages}[SECURE] == 200
    assert "broken_link" not in {i.rule for i in report.issues}
    mixed = [i for i in report.issues if i.rule == "mixed_content"]
    assert [i.url for i in mixed] == [SECURE]
    assert f"{origin}/leaf.svg" in mixed[0].evidence


@pytest.mark.parametrize("render", ["http", "browser"])
async def test_a_self_signed_site_fails_with_a_clear_permanent_error(
    crawler: Crawler, scenario: ScenarioFactory, render: str
) -> None:
    scenario.serve(SITE, ROUTES, https=True)
    with pytest.raises(PermanentError, match=rf"{TLS_UNTRUSTED} for 127\.0\.0\.1: self.signed"):
        await _crawl(crawler, SECURE, render, ())
    report = await _crawl(crawler, SECURE, render, TLS_INSECURE)
    assert report.stopped_reason == "completed"
    assert [(i.rule, i.url) for i in report.issues if i.rule == "mixed_content"] == [
        ("mixed_content", SECURE)
    ]
