"""One peer's figures and the markdown table that compares them with ours."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable

#: Columns of the table, in order (the ratio columns follow when our figures are given).
HEADER = (
    "peer",
    "setting",
    "jobs",
    "enqueue jobs/s",
    "end-to-end s",
    "end-to-end jobs/s",
    "drain s",
    "drain jobs/s",
    "worker start-up s",
    "peak RSS MiB",
)


class PeerError(Exception):
    """A peer could not be measured (missing dependency, worker died, timeout)."""


@dataclasses.dataclass(frozen=True)
class PeerResult:
    """What one peer achieved on ``jobs`` no-op jobs; ``error`` is set when the run failed."""

    peer: str
    setting: str
    jobs: int
    enqueue_per_s: float = math.nan
    end_to_end_s: float = math.nan
    drain_s: float = math.nan
    startup_s: float = math.nan
    peak_rss_bytes: int = 0
    error: str | None = None

    @property
    def end_to_end_per_s(self) -> float:
        """Jobs/s from the first enqueue to the last job done (worker already running)."""
        return self.jobs / self.end_to_end_s

    @property
    def drain_per_s(self) -> float:
        """Jobs/s from the worker's start to the last job done (all jobs enqueued beforehand)."""
        return self.jobs / self.drain_s

    def row(self, ours_end_to_end: float | None = None, ours_drain: float | None = None) -> list[str]:
        """The table row; with our figures, our ratio to the peer's end-to-end and drain rates."""
        if self.error is not None:
            cells = [self.peer, self.setting, str(self.jobs), f"failed: {self.error}"]
            return cells + [""] * (len(HEADER) - len(cells) + _ratio_count(ours_end_to_end, ours_drain))
        cells = [
            self.peer,
            self.setting,
            str(self.jobs),
            f"{self.enqueue_per_s:.0f}",
            f"{self.end_to_end_s:.2f}",
            f"{self.end_to_end_per_s:.0f}",
            f"{self.drain_s:.2f}",
            f"{self.drain_per_s:.0f}",
            f"{self.startup_s:.2f}",
            f"{self.peak_rss_bytes / 2**20:.0f}",
        ]
        if ours_end_to_end is not None:
            cells.append(f"{ours_end_to_end / self.end_to_end_per_s:.2f}x")
        if ours_drain is not None:
            cells.append(f"{ours_drain / self.drain_per_s:.2f}x")
        return cells


def _ratio_count(ours_end_to_end: float | None, ours_drain: float | None) -> int:
    return (ours_end_to_end is not None) + (ours_drain is not None)


def markdown(
    results: Iterable[PeerResult], ours_end_to_end: float | None = None, ours_drain: float | None = None
) -> str:
    """A markdown table of the results, with our ratio columns when our jobs/s are given."""
    header = list(HEADER)
    if ours_end_to_end is not None:
        header.append(f"ours ({ours_end_to_end:.0f}/s) / peer, end-to-end")
    if ours_drain is not None:
        header.append(f"ours ({ours_drain:.0f}/s) / peer, drain")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r.row(ours_end_to_end, ours_drain)) + " |" for r in results]
    return "\n".join(lines)
