"""Run slots of one worker process, handed out by lane without starving the lower lanes.

Higher lanes (lower rank) go first; every ``AGEING_EVERY``-th grant goes to the waiter that has
waited longest, whatever its lane, so a flood of high-priority work cannot starve the rest.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools

#: Every n-th grant goes to the oldest waiter regardless of lane.
AGEING_EVERY = 5


class LaneSlots:
    """A semaphore whose waiters are served by lane rank, with ageing."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.free = size
        self._heap: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._grants = 0

    async def acquire(self, rank: int) -> None:
        """Wait for a slot; lower rank is served first."""
        if self.free > 0 and not self._heap:
            self.free -= 1
            self._grants += 1
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._heap, (rank, next(self._order), fut))
        try:
            await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self.release()  # granted just as we were cancelled: hand it on
            raise

    def try_acquire(self) -> bool:
        """Take a slot if one is free and nobody waits for it; never waits."""
        if self.free > 0 and not self._heap:
            self.free -= 1
            self._grants += 1
            return True
        return False

    def next_by_age(self) -> bool:
        """Whether the next grant goes to the oldest waiter whatever its lane (the ageing turn)."""
        return (self._grants + 1) % AGEING_EVERY == 0

    def release(self) -> None:
        """Give a slot back, to the next waiter if any."""
        while self._heap:
            entry = self._pick()
            fut = entry[2]
            if not fut.done():
                self._grants += 1
                fut.set_result(None)
                return
        self.free += 1

    def _pick(self) -> tuple[int, int, asyncio.Future[None]]:
        if self.next_by_age():
            oldest = min(self._heap, key=lambda e: e[1])
            self._heap.remove(oldest)
            heapq.heapify(self._heap)
            return oldest
        return heapq.heappop(self._heap)

    def gate(self, rank: int) -> RankGate:
        """These slots as seen from one lane (a RunGate for the runner)."""
        return RankGate(self, rank)


class RankGate:
    """Acquires slots of a LaneSlots at one fixed rank."""

    def __init__(self, slots: LaneSlots, rank: int) -> None:
        self._slots = slots
        self._rank = rank

    async def acquire(self) -> None:
        """Wait for a slot at this gate's rank."""
        await self._slots.acquire(self._rank)

    def release(self) -> None:
        """Give the slot back."""
        self._slots.release()
