"""Notices a consumer that has stopped receiving: a partition with unconsumed messages whose actor
sits idle. After a broker outage a Faust worker can end up in this state for good (its fetch
position past messages its actors never received); restarting the process is the cure, since a new
consumer resumes from the committed offsets and redelivery is harmless.

The logic here is pure; the worker feeds it activity and per-partition lag.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping

#: A partition, as (topic, partition).
TP = tuple[str, int]

#: How long a partition must look stuck, without a break, before the worker is restarted, seconds.
STALL_AFTER_S = 30.0
#: How often the worker reads its lag, seconds.
CHECK_EVERY_S = 5.0


class ActivityBoard:
    """What each partition's actor is doing: how many messages it holds, and when it last moved."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._busy: dict[TP, int] = {}
        self._last: dict[TP, float] = {}

    def begin(self, tp: TP) -> None:
        """An actor received a message of ``tp``."""
        self._busy[tp] = self._busy.get(tp, 0) + 1
        self._last[tp] = self._clock()

    def end(self, tp: TP) -> None:
        """An actor is done with a message of ``tp``."""
        self._busy[tp] = max(0, self._busy.get(tp, 0) - 1)
        self._last[tp] = self._clock()

    def busy(self, tp: TP) -> bool:
        """True while an actor holds a message of ``tp``."""
        return self._busy.get(tp, 0) > 0

    def idle_for(self, tp: TP) -> float:
        """Seconds since an actor last received or finished a message of ``tp`` (inf: never)."""
        last = self._last.get(tp)
        return float("inf") if last is None else self._clock() - last


class StallDetector:
    """Decides from successive lag readings whether the consumer is stuck."""

    def __init__(
        self,
        board: ActivityBoard,
        stall_after_s: float = STALL_AFTER_S,
        quiet_s: float = CHECK_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.board = board
        self.stall_after_s = stall_after_s
        self.quiet_s = quiet_s
        self._clock = clock
        self._since: dict[TP, float] = {}

    def observe(self, assigned: Iterable[TP], lag: Mapping[TP, int]) -> list[TP]:
        """Record one reading; return the partitions stuck for longer than ``stall_after_s``.

        A partition looks stuck when it has lag, no actor holds one of its messages and none has
        moved for ``quiet_s`` (a busy partition's actor is idle for moments between messages). It counts
        as stalled only once it has looked stuck at every reading for the whole period, so a
        rebalance or a short pause never triggers a restart.
        """
        now = self._clock()
        stuck_now = {
            tp
            for tp in assigned
            if lag.get(tp, 0) > 0 and not self.board.busy(tp) and self.board.idle_for(tp) >= self.quiet_s
        }
        for tp in list(self._since):
            if tp not in stuck_now:
                del self._since[tp]
        for tp in stuck_now:
            self._since.setdefault(tp, now)
        return sorted(tp for tp, since in self._since.items() if now - since >= self.stall_after_s)

    def forget(self) -> None:
        """Drop the history (the lag could not be read, e.g. while the broker is away)."""
        self._since.clear()
