"""A crawl's checkpoint: its state survives JSON unchanged, and saves come every N pages or T seconds."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from seojobs.crawl.checkpoint import CheckpointClock, CrawlState, dump_state, load_state
from seojobs.crawl.frontier import Frontier, QueuedUrl
from seojobs.domain.seo import UrlOutcome
from seojobs.domain.seo.render_facts import Experience, LayoutShift, RenderFacts
from tests.unit.crawl.seo_fixtures import ORIGIN, SCOPE, facts, page_html


def _state() -> CrawlState:
    page = facts(page_html(body='<a href="/next">Next page</a><img src="/a.png">'))
    outcomes = (
        UrlOutcome(ORIGIN + "/p", 200, facts=page),
        UrlOutcome(ORIGIN + "/old", 301, redirects=(ORIGIN + "/p",), final_status=200),
        UrlOutcome(ORIGIN + "/down", None, error="connection refused"),
    )
    return CrawlState(
        outcomes,
        (QueuedUrl(ORIGIN + "/next", ORIGIN + "/next"),),
        (ORIGIN + "/down", ORIGIN + "/next", ORIGIN + "/old", ORIGIN + "/p"),
        (ORIGIN + "/private",),
        (ORIGIN + "/p",),
        1,
        42,
        ((ORIGIN + "/a.png", 404), (ORIGIN + "/b.js", None)),
    )


def test_a_state_comes_back_from_json_equal() -> None:
    state = _state()
    again = load_state(json.loads(json.dumps(dump_state(state))))
    assert again == state
    assert again is not None and again.pages == 3
    assert again.outcomes[0].facts is not None and again.outcomes[0].facts.links


@pytest.mark.parametrize("data", [None, {}, {"outcomes": "x"}, [], {"version": 99}])
def test_a_checkpoint_that_does_not_fit_is_ignored(data: object) -> None:
    assert load_state(data) is None


def test_a_frontier_restored_from_its_snapshot_queues_nothing_twice() -> None:
    frontier = Frontier(SCOPE)
    for path in ("/a", "/b", "/c"):
        frontier.add(ORIGIN + path)
    frontier.pop()
    queue, seen = frontier.snapshot()
    restored = Frontier(SCOPE)
    restored.restore(queue, seen)
    assert not restored.add(ORIGIN + "/a"), "a page done before the save is not queued again"
    assert [restored.pop(), restored.pop(), restored.pop()] == [*queue, None]


@pytest.mark.parametrize(
    ("pages", "elapsed", "due"),
    [
        (0, 0.0, False),
        (9, 4.9, False),
        (10, 0.0, True),
        (1, 5.0, True),
        (0, 60.0, False),
    ],
)
def test_a_save_is_due_every_ten_pages_or_five_seconds(pages: int, elapsed: float, due: bool) -> None:
    now = [100.0]
    clock = CheckpointClock(10, 5.0, clock=lambda: now[0])
    now[0] += elapsed
    assert clock.due(pages) is due


def test_the_clock_counts_from_the_last_save() -> None:
    now = [0.0]
    clock = CheckpointClock(10, 5.0, clock=lambda: now[0], pages=20)
    assert not clock.due(29)
    assert clock.due(30)
    clock.saved(30)
    now[0] = 4.0
    assert not clock.due(31)


def test_browser_facts_and_measurements_survive_a_checkpoint() -> None:
    page = replace(
        facts(page_html()),
        render=RenderFacts(raw_titles=("Raw",), raw_link_targets=frozenset({ORIGIN + "/x"}), dom_elements=42),
        experience=Experience(
            lcp_ms=3100.0,
            lcp_target="img /hero.svg",
            shifts=(LayoutShift(120.0, 0.3),),
            js_errors=("Error: boom",),
        ),
    )
    state = replace(_state(), outcomes=(UrlOutcome(ORIGIN + "/p", 200, facts=page),))
    assert load_state(json.loads(json.dumps(dump_state(state)))) == state
