"""Combines concurrent requests into few calls: what arrives while calls run goes in the next one.

A worker runs one message per partition at a time, so a dozen partitions make a dozen small
database reads and writes at once. A Coalescer turns them into one call (or a few): with nothing
running a request is served at once, and under load the calls grow instead of multiplying.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K")
R = TypeVar("R")


class Coalescer(Generic[K, R]):
    """Serves ``get(items)`` by ``call(all items waiting)``, with at most ``max_calls`` calls at once.

    Every request of a call gets the call's whole result (or its exception).
    """

    def __init__(self, call: Callable[[list[K]], Awaitable[R]], *, max_calls: int = 2) -> None:
        if max_calls < 1:
            raise ValueError("max_calls must be at least 1")
        self._call = call
        self._max_calls = max_calls
        self._waiting: list[tuple[list[K], asyncio.Future[R]]] = []
        self._calls: set[asyncio.Future[None]] = set()

    @property
    def running(self) -> int:
        """Calls in progress."""
        return len(self._calls)

    async def get(self, items: Sequence[K]) -> R:
        """The result of the call that served ``items``."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((list(items), future))
        self._start()
        return await future

    def _start(self) -> None:
        if self._waiting and len(self._calls) < self._max_calls:
            task = asyncio.ensure_future(self._serve())
            self._calls.add(task)
            task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Future[None]) -> None:
        self._calls.discard(task)
        self._start()  # requests that came in meanwhile

    async def _serve(self) -> None:
        await asyncio.sleep(0)  # requests made in this same loop turn join the call
        batch, self._waiting = self._waiting, []
        live = [(items, future) for items, future in batch if not future.done()]
        if not live:
            return
        try:
            result = await self._call([item for items, _ in live for item in items])
        except BaseException as exc:
            for _, future in live:
                if not future.done():
                    if isinstance(exc, asyncio.CancelledError):
                        future.cancel()
                    else:
                        future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for _, future in live:
            if not future.done():
                future.set_result(result)
