"""The offline knowledge base: every rule covered, deterministic and ordered recommendations."""

from __future__ import annotations

import random

import pytest

from seojobs.domain.analysis.digest import IssueRow, RuleGroup, build_digest
from seojobs.domain.analysis.kb_entry import priority_for
from seojobs.domain.analysis.knowledge import KNOWLEDGE_BASE, offline_recommendations
from seojobs.domain.analysis.prompt import SYSTEM_PROMPT, TOOL_NAME
from seojobs.domain.analysis.recommendation import parse_recommendations
from seojobs.domain.analysis.rule_ids import RULE_IDS, SEVERITIES
from seojobs.domain.seo.catalogue import RULES

SITE = "https://example.org"


def rows_for(counts: dict[str, tuple[str, int]]) -> list[IssueRow]:
    """Return ``count`` issues of each rule at its severity, each on its own page."""
    return [
        IssueRow(rule, severity, f"{SITE}/{rule}/{n}", "evidence")
        for rule, (severity, count) in counts.items()
        for n in range(count)
    ]


@pytest.mark.parametrize("rule", RULE_IDS)
def test_every_rule_id_has_an_offline_recommendation(rule: str) -> None:
    assert rule in KNOWLEDGE_BASE, f"add an offline recommendation for {rule}"
    entry = KNOWLEDGE_BASE[rule]
    assert entry.fix_steps
    assert entry.why.strip()


def test_the_knowledge_base_holds_no_unknown_rule() -> None:
    assert set(KNOWLEDGE_BASE) <= set(RULE_IDS)
    assert len(RULE_IDS) == len(set(RULE_IDS))


def test_rule_ids_match_the_crawler_catalogue() -> None:
    assert set(RULE_IDS) == set(RULES)


def test_offline_recommendations_cover_every_rule_and_pass_validation() -> None:
    rows = [IssueRow(rule, "medium", f"{SITE}/{n}", "x") for n, rule in enumerate(RULE_IDS)]
    digest = build_digest(rows, pages_count=100, site_url=SITE, token_budget=20_000)
    recommendations = offline_recommendations(digest)
    assert sorted(r.rule for r in recommendations) == sorted(RULE_IDS)
    as_tool_input = {"recommendations": [r.model_dump() for r in recommendations]}
    assert parse_recommendations(as_tool_input, known_rules=RULE_IDS) == recommendations


def test_rules_left_out_of_the_prompt_still_get_advice() -> None:
    rows = [IssueRow(rule, "low", f"{SITE}/{n}/{rule}", "e" * 150) for n in range(30) for rule in RULE_IDS]
    digest = build_digest(rows, pages_count=30, site_url=SITE, token_budget=300)
    assert digest.dropped_groups
    assert {r.rule for r in offline_recommendations(digest)} == set(RULE_IDS)


def test_an_unknown_rule_gets_generic_advice() -> None:
    digest = build_digest(rows_for({"brand_new_rule": ("medium", 2)}), 10, SITE, 1000)
    [recommendation] = offline_recommendations(digest)
    assert recommendation.rule == "brand_new_rule"
    assert "brand_new_rule" in recommendation.fix_steps[0]


def test_ordered_by_severity_then_frequency() -> None:
    counts = {
        "img_alt_missing": ("low", 90),
        "title_duplicate": ("medium", 3),
        "h1_missing": ("medium", 7),
        "http_error": ("high", 2),
        "broken_link": ("high", 40),
    }
    digest = build_digest(rows_for(counts), pages_count=100, site_url=SITE, token_budget=4000)
    rules = [r.rule for r in offline_recommendations(digest)]
    assert rules == ["broken_link", "http_error", "h1_missing", "title_duplicate", "img_alt_missing"]


def test_offline_recommendations_are_deterministic() -> None:
    counts = {rule: (SEVERITIES[n % 3], 1 + n % 5) for n, rule in enumerate(RULE_IDS)}
    rows = rows_for(counts)
    shuffled = rows[:]
    random.Random(3).shuffle(shuffled)
    first = offline_recommendations(build_digest(rows, 50, SITE, 3000))
    second = offline_recommendations(build_digest(shuffled, 50, SITE, 3000))
    assert first == second


@pytest.mark.parametrize(
    ("severity", "pages", "expected"),
    [
        ("high", 10, "critical"),
        ("high", 9, "high"),
        ("medium", 50, "high"),
        ("medium", 49, "medium"),
        ("low", 100, "low"),
        ("unknown", 100, "low"),
    ],
)
def test_priority_follows_severity_and_reach(severity: str, pages: int, expected: str) -> None:
    group = RuleGroup("r", severity, count=pages, pages=pages, examples=())
    assert priority_for(group, pages_count=100) == expected


def test_impact_names_the_reach_on_the_site() -> None:
    digest = build_digest(rows_for({"noindex": ("high", 4)}), 8, SITE, 1000)
    [recommendation] = offline_recommendations(digest)
    assert recommendation.expected_impact.startswith("4 issues on 4 pages.")
    assert recommendation.priority == "critical"


def test_the_system_prompt_names_the_tool_and_every_rule() -> None:
    assert TOOL_NAME in SYSTEM_PROMPT
    for rule in RULE_IDS:
        assert f"- {rule} (" in SYSTEM_PROMPT
