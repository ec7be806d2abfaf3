"""Browser-only facts: the raw HTML beside the rendered DOM, and the page-experience measures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: Layout shifts further apart than this start a new session window (as web-vitals defines CLS).
CLS_SESSION_GAP_MS = 1000.0
#: A session window of layout shifts lasts at most this long.
CLS_SESSION_MAX_MS = 5000.0


@dataclass(frozen=True)
class RenderFacts:
    """What the navigation response's raw HTML said, and the rendered DOM's size."""

    raw_titles: tuple[str, ...] = ()
    raw_canonicals: tuple[str, ...] = ()
    raw_meta_robots: tuple[str, ...] = ()
    #: Normalised targets of the raw HTML's internal links.
    raw_link_targets: frozenset[str] = frozenset()
    #: Elements in the rendered DOM (document.getElementsByTagName('*').length).
    dom_elements: int = 0


@dataclass(frozen=True)
class LayoutShift:
    """One layout-shift entry without recent input: when (ms since navigation) and its score."""

    start_ms: float
    value: float


@dataclass(frozen=True)
class Experience:
    """What the page did until the end of the measurement: LCP, layout shifts, script errors."""

    lcp_ms: float | None = None
    #: What the largest contentful paint was: an image URL or an element's tag name.
    lcp_target: str = ""
    shifts: tuple[LayoutShift, ...] = ()
    js_errors: tuple[str, ...] = ()

    @property
    def cls(self) -> float:
        """Cumulative Layout Shift: the largest session window of shifts."""
        return cumulative_layout_shift(self.shifts)


def cumulative_layout_shift(shifts: Iterable[LayoutShift]) -> float:
    """Sum shifts in session windows (gap under 1 s, window under 5 s); return the largest."""
    best = current = 0.0
    first = last = None
    for shift in sorted(shifts, key=lambda s: s.start_ms):
        if (
            first is None
            or last is None
            or shift.start_ms - last >= CLS_SESSION_GAP_MS
            or shift.start_ms - first >= CLS_SESSION_MAX_MS
        ):
            first, current = shift.start_ms, 0.0
        current += shift.value
        last = shift.start_ms
        best = max(best, current)
    return best
