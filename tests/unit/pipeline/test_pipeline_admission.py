"""The runner's admission decision as a table: every verdict, and the order of the checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from seojobs.pipeline.admission import Verdict, admission_verdict

#: The message under test: series 1, its attempt ends with sequence 120.
SERIES, FINAL = 1, 120


@dataclass(frozen=True)
class View:
    """An in-memory job view (what the lease statement answers)."""

    status: str = "PENDING"
    cancel_requested: bool = False
    series: int = SERIES
    last_seq: int = 100
    stored: Any = None
    claimed: bool = True


@pytest.mark.parametrize(
    ("view", "has_slot", "verdict"),
    [
        (None, True, Verdict.MISSING),
        (View(), True, Verdict.STARTED),
        (View(), False, Verdict.HELD),
        (View(status="PROCESSING"), True, Verdict.STARTED),  # a retry of a job that ran before
        (View(status="COMPLETED"), True, Verdict.SKIPPED),
        (View(status="CANCELLED"), True, Verdict.SKIPPED),
        (View(series=SERIES + 1), True, Verdict.SKIPPED),  # redriven since: an old series' message
        (View(last_seq=FINAL), True, Verdict.SKIPPED),  # this attempt already ended
        (View(stored={"ok": 1}), True, Verdict.STORED),
        (View(stored={"ok": 1}, cancel_requested=True), True, Verdict.STORED),  # the result wins
        (View(cancel_requested=True), True, Verdict.CANCELLED),
        (View(cancel_requested=True, claimed=False), True, Verdict.CANCELLED),
        (View(claimed=False), True, Verdict.ELSEWHERE),
        (View(claimed=False), False, Verdict.ELSEWHERE),
        (View(status="FAILED", stored={"ok": 1}), True, Verdict.SKIPPED),  # finished beats stored
    ],
)
def test_admission_verdicts(view: View | None, has_slot: bool, verdict: Verdict) -> None:
    assert admission_verdict(view, SERIES, FINAL, has_slot=has_slot) is verdict
