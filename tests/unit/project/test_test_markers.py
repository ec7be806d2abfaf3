"""Every module of a server tier carries its tier's marker, so ``-m 'not integration'`` means what it says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[2]
#: The marker each tier's modules must set in ``pytestmark``.
TIER_MARKERS = {"integration": "integration", "e2e": "e2e"}


@pytest.mark.parametrize("tier", sorted(TIER_MARKERS))
def test_every_module_of_a_server_tier_is_marked(tier: str) -> None:
    marker = re.compile(rf"^pytestmark = .*pytest\.mark\.{TIER_MARKERS[tier]}\b", re.MULTILINE)
    unmarked = [str(p.relative_to(TESTS)) for p in sorted((TESTS / tier).rglob("test_*.py"))
                if not marker.search(p.read_text())]
    assert unmarked == []
