"""The frontier: breadth-first, own host only, each key once."""

from __future__ import annotations

from seojobs.crawl.frontier import Frontier
from seojobs.crawl.urls import SiteScope


def test_frontier_is_fifo_and_deduplicates_by_key() -> None:
    frontier = Frontier(SiteScope.for_base("https://shop.example/"))
    assert frontier.add("https://shop.example/")
    assert frontier.add("https://shop.example/a/")
    assert not frontier.add("https://shop.example/a?utm_source=x")
    assert not frontier.add("https://SHOP.example/a/index.html#top")
    assert not frontier.add("https://other.example/")
    assert not frontier.add("mailto:x@shop.example")
    assert frontier.add("https://www.shop.example/b")
    popped = [frontier.pop(), frontier.pop(), frontier.pop(), frontier.pop()]
    assert [p.key if p else None for p in popped] == [
        "https://shop.example/",
        "https://shop.example/a",
        "https://www.shop.example/b",
        None,
    ]
    assert popped[1] is not None and popped[1].fetch_url == "https://shop.example/a/"
    assert frontier.discovered == 3


def test_claim_marks_a_key_seen_without_queueing() -> None:
    frontier = Frontier(SiteScope.for_base("https://shop.example/"))
    assert frontier.claim("https://shop.example/final")
    assert not frontier.claim("https://shop.example/final")
    assert not frontier.add("https://shop.example/final/")
    assert len(frontier) == 0
