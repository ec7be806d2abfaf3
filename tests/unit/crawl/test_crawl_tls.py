"""TLS certificate checks: on for every host unless listed, and a clear error when they fail."""

from __future__ import annotations

import ssl

import httpx
import pytest

from seojobs.adapters.http_fetch import describe_error
from seojobs.crawl.fetching import FetchResult, TextResponse
from seojobs.crawl.records import CrawlOptions, CrawlProgress
from seojobs.crawl.run import CrawlRun
from seojobs.crawl.tls import TLS_UNTRUSTED, TlsPolicy, untrusted_message
from seojobs.domain.errors import PermanentError, RetryableError
from seojobs.settings import Settings


def test_certificates_are_verified_everywhere_by_default() -> None:
    assert CrawlOptions().tls_insecure_hosts == ()
    assert Settings.model_fields["crawl_tls_insecure_hosts"].default == ""
    policy = TlsPolicy.from_entries(CrawlOptions().tls_insecure_hosts)
    assert not policy.enabled
    assert not policy.insecure("127.0.0.1")
    assert not policy.insecure("example.com")


@pytest.mark.parametrize(
    ("entries", "host", "insecure"),
    [
        (("127.0.0.1/32",), "127.0.0.1", True),
        (("127.0.0.0/8",), "127.9.9.9", True),
        (("127.0.0.1/32",), "127.0.0.2", False),
        (("127.0.0.1/32",), "localhost", False),  # names are not resolved: only literals match networks
        (("::1",), "[::1]", True),
        (("::1",), "::1", True),
        (("intranet.local",), "INTRANET.local.", True),
        (("intranet.local",), "www.intranet.local", False),
        ((" demo.test ", "10.0.0.0/8"), "demo.test", True),
    ],
)
def test_only_listed_hosts_skip_certificate_checks(
    entries: tuple[str, ...], host: str, insecure: bool
) -> None:
    policy = TlsPolicy.from_entries(entries)
    assert policy.enabled
    assert policy.insecure(host) is insecure


def _cert_error(url: str) -> httpx.ConnectError:
    cause = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] ...")
    cause.verify_message = "self-signed certificate"
    error = httpx.ConnectError("handshake failed", request=httpx.Request("GET", url))
    error.__cause__ = cause
    return error


def test_a_certificate_failure_is_described_plainly() -> None:
    text = describe_error(_cert_error("https://127.0.0.1:8443/robots.txt"), "https://x/")
    assert text == untrusted_message("127.0.0.1", "self-signed certificate")
    assert text.startswith(TLS_UNTRUSTED)
    assert "tls_insecure_hosts" in text


def test_other_network_errors_keep_their_text() -> None:
    error = httpx.ConnectError("connection refused")
    assert describe_error(error, "http://x/") == "ConnectError: connection refused"


class _Unreachable:
    """Robots.txt never answers, with a given error; pages are never asked for."""

    def __init__(self, error: str) -> None:
        self.error = error

    async def get_text(self, url: str, timeout_s: float, max_redirects: int) -> TextResponse:
        return TextResponse(url, None, error=self.error)

    async def get_status(self, url: str, timeout_s: float, max_redirects: int) -> TextResponse:
        return TextResponse(url, None, error=self.error)

    async def fetch(self, url: str, timeout_s: float) -> FetchResult:
        raise AssertionError("no page is fetched when the site is unreachable")

    async def close(self) -> None:
        return None


async def _ignore(_: CrawlProgress) -> None:
    return None


async def test_an_untrusted_certificate_of_the_site_fails_the_job_for_good() -> None:
    fake = _Unreachable(untrusted_message("127.0.0.1", "self-signed certificate"))
    run = CrawlRun("https://127.0.0.1:8443/", CrawlOptions(), fake, fake, _ignore)
    with pytest.raises(PermanentError, match=f"site unreachable: {TLS_UNTRUSTED} for 127.0.0.1"):
        await run.run()


async def test_a_site_that_does_not_answer_is_still_retried() -> None:
    fake = _Unreachable("ConnectError: connection refused")
    run = CrawlRun("https://127.0.0.1:8443/", CrawlOptions(), fake, fake, _ignore)
    with pytest.raises(RetryableError):
        await run.run()
