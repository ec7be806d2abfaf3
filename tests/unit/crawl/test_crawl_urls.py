"""URL normalisation: one page, one key."""

from __future__ import annotations

import pytest

from seojobs.crawl.urls import SiteScope, fetchable_url, normalize_url


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("HTTP://Example.COM/", "http://example.com/"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("http://example.com/a#frag", "http://example.com/a"),
        ("http://example.com/a/", "http://example.com/a"),
        ("http://example.com/a/index.html", "http://example.com/a"),
        ("http://example.com/index.htm", "http://example.com/"),
        ("http://example.com", "http://example.com/"),
        ("http://example.com/a?utm_source=x&utm_medium=y", "http://example.com/a"),
        ("http://example.com/a?gclid=1&fbclid=2&id=3", "http://example.com/a?id=3"),
        ("http://example.com/a?b=2&a=1", "http://example.com/a?a=1&b=2"),
        ("http://example.com/a/./b/../c", "http://example.com/a/c"),
        ("http://example.com/%7Euser", "http://example.com/~user"),
        ("http://example.com/a%2fb", "http://example.com/a%2Fb"),
        ("http://example.com/a b", "http://example.com/a%20b"),
        ("http://EXAMPLE.com./x", "http://example.com/x"),
        ("http://bücher.de/", "http://xn--bcher-kva.de/"),
        ("http://[::1]:8080/", "http://[::1]:8080/"),
    ],
)
def test_normalize(raw: str, key: str) -> None:
    assert normalize_url(raw) == key


@pytest.mark.parametrize(
    "raw",
    [
        "javascript:alert(1)",
        "mailto:a@b.c",
        "ftp://example.com/",
        "/relative",
        "",
        "http://example.com:99999/",
        "file:///etc/passwd",
        "http:///nohost",
    ],
)
def test_normalize_refuses_non_http_urls(raw: str) -> None:
    assert normalize_url(raw) is None


def test_equivalent_forms_share_one_key() -> None:
    forms = [
        "http://h.com/a",
        "http://h.com/a/",
        "http://h.com/a/index.html",
        "HTTP://H.COM:80/a#x",
        "http://h.com/a?utm_campaign=z",
    ]
    assert {normalize_url(f) for f in forms} == {"http://h.com/a"}


def test_fetchable_form_keeps_the_trailing_slash() -> None:
    assert fetchable_url("http://h.com/blog/?utm_source=x#top") == "http://h.com/blog/"
    assert fetchable_url("http://h.com/blog") == "http://h.com/blog"


def test_scope_ignores_www_and_port_but_not_other_hosts() -> None:
    scope = SiteScope.for_base("https://www.shop.com/")
    assert scope.is_internal("http://shop.com/a")
    assert scope.is_internal("https://www.shop.com:8443/a")
    assert not scope.is_internal("https://blog.shop.com/a")
    assert not scope.is_internal("https://shop.com.evil.net/a")
