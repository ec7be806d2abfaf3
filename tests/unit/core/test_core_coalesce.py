"""Coalescer: concurrent requests share calls, never wait when nothing runs, and all see failures."""

from __future__ import annotations

import asyncio

import pytest

from seojobs.pipeline.coalesce import Coalescer


class Recorder:
    """A call that records what it was asked and can be held open or made to fail."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []
        self.release = asyncio.Event()
        self.release.set()
        self.fail: Exception | None = None

    async def __call__(self, items: list[int]) -> dict[int, int]:
        self.calls.append(items)
        await self.release.wait()
        if self.fail is not None:
            raise self.fail
        return {i: i * 10 for i in items}


async def test_a_lone_request_is_served_at_once_by_a_call_of_its_own() -> None:
    call = Recorder()
    coalescer = Coalescer(call)
    assert await coalescer.get([1, 2]) == {1: 10, 2: 20}
    assert call.calls == [[1, 2]]
    await asyncio.sleep(0)  # the call's task ends just after it answered
    assert coalescer.running == 0


async def test_requests_made_together_share_one_call() -> None:
    call = Recorder()
    coalescer = Coalescer(call)
    results = await asyncio.gather(*(coalescer.get([i]) for i in range(5)))
    assert call.calls == [[0, 1, 2, 3, 4]]
    assert all(r == {i: i * 10 for i in range(5)} for r in results)


async def test_requests_that_arrive_while_calls_run_go_together_in_the_next_call() -> None:
    call = Recorder()
    call.release.clear()
    coalescer = Coalescer(call, max_calls=1)
    first = asyncio.ensure_future(coalescer.get([1]))
    while not call.calls:
        await asyncio.sleep(0)
    later = [asyncio.ensure_future(coalescer.get([i])) for i in (2, 3, 4)]
    for _ in range(5):
        await asyncio.sleep(0)
    assert call.calls == [[1]], "no second call while the only one allowed runs"
    call.release.set()
    assert (await first)[1] == 10
    assert [(await f)[i] for f, i in zip(later, (2, 3, 4), strict=True)] == [20, 30, 40]
    assert call.calls == [[1], [2, 3, 4]]


async def test_a_failed_call_fails_each_of_its_requests_and_the_next_call_still_runs() -> None:
    call = Recorder()
    call.fail = ConnectionError("database away")
    coalescer = Coalescer(call)
    outcomes = await asyncio.gather(coalescer.get([1]), coalescer.get([2]), return_exceptions=True)
    assert [type(o) for o in outcomes] == [ConnectionError, ConnectionError]
    call.fail = None
    assert await coalescer.get([3]) == {3: 30}


async def test_a_request_cancelled_while_waiting_does_not_disturb_the_others() -> None:
    call = Recorder()
    call.release.clear()
    coalescer = Coalescer(call, max_calls=1)
    gone = asyncio.ensure_future(coalescer.get([1]))
    kept = asyncio.ensure_future(coalescer.get([2]))
    while not call.calls:
        await asyncio.sleep(0)
    gone.cancel()
    call.release.set()
    assert await kept == {1: 10, 2: 20}
    with pytest.raises(asyncio.CancelledError):
        await gone


def test_max_calls_must_allow_a_call() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Coalescer(Recorder(), max_calls=0)
