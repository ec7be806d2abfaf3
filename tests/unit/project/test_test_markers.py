"""Every module of a server tier carries a server tier's marker, so ``-m "not integration and not e2e"``
selects exactly what runs without PostgreSQL and Kafka."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[2]
#: The folders of the tiers that need servers, and the markers that say so.
SERVER_TIERS = ("integration", "e2e")
MARKER = re.compile(r"^pytestmark = .*pytest\.mark\.(integration|e2e)\b", re.MULTILINE)


@pytest.mark.parametrize("tier", SERVER_TIERS)
def test_every_module_of_a_server_tier_is_marked(tier: str) -> None:
    unmarked = [
        str(p.relative_to(TESTS))
        for p in sorted((TESTS / tier).rglob("test_*.py"))
        if not MARKER.search(p.read_text())
    ]
    assert unmarked == []
