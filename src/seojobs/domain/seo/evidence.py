"""How evidence strings quote the offending items of a finding."""

from __future__ import annotations

#: How many offending items an evidence string quotes before it stops.
EVIDENCE_ITEMS = 3


def quote_items(items: list[str]) -> str:
    """Quote the first few items (80 chars each) and say how many more there were."""
    shown = ", ".join(repr(i[:80]) for i in items[:EVIDENCE_ITEMS])
    more = len(items) - EVIDENCE_ITEMS
    return shown + (f" (+{more} more)" if more > 0 else "")
