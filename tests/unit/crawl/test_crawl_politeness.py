"""Politeness decisions: Retry-After, Crawl-delay cap, progress, the error threshold."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from seojobs.crawl.politeness import (
    HostPacer,
    effective_delay,
    error_threshold_passed,
    parse_retry_after,
    progress_percent,
    retry_wait,
)

NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("value", "wait"),
    [
        ("5", 5.0),
        ("0", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("Tue, 14 Nov 2023 22:13:30 GMT", 10.0),
        ("Tue, 14 Nov 2023 22:13:00 GMT", 0.0),
    ],
)
def test_parse_retry_after(value: str | None, wait: float | None) -> None:
    assert parse_retry_after(value, NOW) == wait


def test_retry_wait_defaults_and_caps() -> None:
    assert retry_wait(None, NOW) == 1.0
    assert retry_wait("3600", NOW, cap_s=30) == 30


@pytest.mark.parametrize(
    ("delay", "cap", "expected"),
    [
        (None, 5, 0.0),
        (0, 5, 0.0),
        (2, 5, 2.0),
        (60, 5, 5.0),
    ],
)
def test_effective_delay(delay: float | None, cap: float, expected: float) -> None:
    assert effective_delay(delay, cap) == expected


@pytest.mark.parametrize(
    ("done", "discovered", "max_pages", "finished", "expected"),
    [
        (1, 1, 10, False, (1, 99)),
        (1, 4, 10, False, (4, 25)),
        (5, 50, 10, False, (10, 50)),
        (10, 50, 10, False, (10, 99)),
        (10, 50, 10, True, (10, 100)),
        (0, 0, 10, True, (1, 100)),
    ],
)
def test_progress_never_overshoots(
    done: int, discovered: int, max_pages: int, finished: bool, expected: tuple[int, int]
) -> None:
    assert progress_percent(done, discovered, max_pages, finished) == expected


@pytest.mark.parametrize(
    ("errors", "done", "passed"),
    [
        (5, 5, False),
        (6, 10, True),
        (5, 10, False),
        (0, 100, False),
    ],
)
def test_error_threshold(errors: int, done: int, passed: bool) -> None:
    assert error_threshold_passed(errors, done, threshold=0.5, min_pages=10) is passed


async def test_pacer_spaces_requests_and_honours_pauses() -> None:
    pacer = HostPacer(0.05)
    start = time.monotonic()
    for _ in range(3):
        await pacer.wait_turn()
    assert time.monotonic() - start >= 0.1
    pacer.pause(0.1)
    before = time.monotonic()
    await pacer.wait_turn()
    assert time.monotonic() - before >= 0.09


async def _requests(pacer: HostPacer, durations: list[float]) -> list[tuple[float, float]]:
    spans: list[tuple[float, float]] = []

    async def request(duration: float) -> None:
        async with pacer.turn():
            start = time.monotonic()
            await asyncio.sleep(duration)
            spans.append((start, time.monotonic()))

    await asyncio.gather(*(request(d) for d in durations))
    return sorted(spans)


async def test_with_a_delay_the_next_request_starts_a_delay_after_the_last_one_ended() -> None:
    # A slow first request must not let the second one follow it closer than the delay.
    spans = await _requests(HostPacer(0.05), [0.08, 0.0, 0.0])
    for (_, ended), (started, _) in itertools.pairwise(spans):
        assert started - ended >= 0.045


async def test_without_a_delay_requests_run_side_by_side() -> None:
    spans = await _requests(HostPacer(0.0), [0.05, 0.05, 0.05])
    latest_start = max(start for start, _ in spans)
    assert latest_start < min(end for _, end in spans), "all three were in flight at once"
