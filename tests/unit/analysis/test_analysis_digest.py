"""The digest: grouping, ordering, examples, and staying within the token budget."""

from __future__ import annotations

import random

import pytest

from seojobs.domain.analysis.digest import (
    DEFAULT_MAX_EXAMPLES,
    MIN_TOKEN_BUDGET,
    IssueRow,
    build_digest,
    estimate_tokens,
    render_digest,
)
from seojobs.domain.analysis.rule_ids import RULE_IDS, SEVERITIES
from seojobs.domain.errors import ValidationFailed

SITE = "https://shop.example.com"


def issue(rule: str, severity: str, n: int, evidence: str = "evidence") -> IssueRow:
    """Return an issue of the rule on page n."""
    return IssueRow(rule=rule, severity=severity, url=f"{SITE}/page-{n}", evidence=evidence)


def big_site(issues: int = 2000, seed: int = 7) -> list[IssueRow]:
    """Issues over every rule, with long URLs and evidence, as a large crawl produces."""
    rng = random.Random(seed)
    rows = []
    for n in range(issues):
        rule = RULE_IDS[n % len(RULE_IDS)] if n < len(RULE_IDS) else rng.choice(RULE_IDS)
        rows.append(
            IssueRow(
                rule=rule,
                severity=SEVERITIES[RULE_IDS.index(rule) % 3],
                url=f"{SITE}/category-{n % 40}/product-{n}?variant=" + "x" * rng.randint(0, 80),
                evidence=f"value seen on page {n}: " + "lorem ipsum dolor " * rng.randint(1, 20),
            )
        )
    return rows


def test_groups_count_issues_and_distinct_pages() -> None:
    rows = [issue("title_missing", "high", 1), issue("title_missing", "high", 1)]
    rows += [issue("title_missing", "high", 2), issue("h1_missing", "medium", 3)]
    digest = build_digest(rows, pages_count=10, site_url=SITE, token_budget=4000)
    by_rule = {group.rule: group for group in digest.groups}
    assert by_rule["title_missing"].count == 3
    assert by_rule["title_missing"].pages == 2
    assert [ex.url for ex in by_rule["title_missing"].examples] == [f"{SITE}/page-1", f"{SITE}/page-2"]
    assert digest.total_issues == 4


def test_orders_by_severity_then_frequency_then_rule_id() -> None:
    rows = [issue("img_alt_missing", "low", n) for n in range(9)]
    rows += [issue("h1_missing", "medium", n) for n in range(2)]
    rows += [issue("title_duplicate", "medium", n) for n in range(5)]
    rows += [issue("broken_link", "high", 1), issue("http_error", "high", 2)]
    digest = build_digest(rows, pages_count=10, site_url=SITE, token_budget=4000)
    assert digest.rules == (
        "broken_link",
        "http_error",
        "title_duplicate",
        "h1_missing",
        "img_alt_missing",
    )


def test_a_rule_takes_its_most_severe_issue_and_unknown_severities_sort_last() -> None:
    rows = [issue("thin_content", "low", 1), issue("thin_content", "HIGH", 2)]
    rows += [issue("new_rule", "weird", n) for n in range(50)]
    rows += [issue("viewport_missing", "low", 3)]
    digest = build_digest(rows, pages_count=3, site_url=SITE, token_budget=4000)
    assert digest.groups[0].rule == "thin_content"
    assert digest.groups[0].severity == "high"
    assert digest.groups[0].examples[0].url == f"{SITE}/page-2"  # the most severe example first
    assert digest.rules[-1] == "new_rule"


def test_examples_are_capped_distinct_and_cleaned() -> None:
    rows = [issue("broken_link", "high", n % 5, "link  to\n### injected heading") for n in range(50)]
    digest = build_digest(rows, pages_count=5, site_url=SITE, token_budget=4000)
    examples = digest.groups[0].examples
    assert len(examples) == DEFAULT_MAX_EXAMPLES
    assert len({ex.url for ex in examples}) == DEFAULT_MAX_EXAMPLES
    assert examples[0].evidence == "link to ### injected heading"
    text = render_digest(digest)
    assert "\n### injected" not in text
    assert "### broken_link | severity high | 50 issues on 5 pages" in text


def test_everything_fits_in_a_generous_budget() -> None:
    rows = [issue(rule, "medium", n) for n, rule in enumerate(RULE_IDS)]
    count = len(RULE_IDS)
    digest = build_digest(rows, pages_count=count, site_url=SITE, token_budget=20_000)
    assert digest.detailed == len(RULE_IDS)
    assert digest.summarized == 0
    assert digest.dropped_groups == ()
    text = render_digest(digest)
    assert "Left out" not in text
    assert text.startswith(
        f"Site: {SITE}\nPages crawled: {count}\nIssues found: {count} across {count} rules"
    )


@pytest.mark.parametrize("budget", [MIN_TOKEN_BUDGET, 350, 800, 1500, 3000, 8000, 50_000])
def test_two_thousand_issues_stay_under_the_budget(budget: int) -> None:
    digest = build_digest(big_site(), pages_count=1500, site_url=SITE, token_budget=budget)
    text = render_digest(digest)
    assert estimate_tokens(text) <= budget
    assert digest.total_issues == 2000
    shown = digest.groups[: digest.detailed + digest.summarized]
    assert sum(g.count for g in shown) + digest.dropped_issues == 2000


def test_what_does_not_fit_is_summarised_then_dropped_with_a_total() -> None:
    digest = build_digest(big_site(), pages_count=1500, site_url=SITE, token_budget=600)
    assert digest.detailed >= 1
    assert digest.summarized >= 1
    assert digest.dropped_groups
    text = render_digest(digest)
    first_summary = digest.groups[digest.detailed]
    assert f"- {first_summary.rule} | severity {first_summary.severity} |" in text
    assert (
        f"{len(digest.dropped_groups)} further rules with {digest.dropped_issues} issues "
        "were left out" in text
    )
    for group in digest.dropped_groups:
        assert f"{group.rule} |" not in text


def test_a_tight_budget_trades_detail_for_counts() -> None:
    roomy = build_digest(big_site(), pages_count=1500, site_url=SITE, token_budget=8000)
    tight = build_digest(big_site(), pages_count=1500, site_url=SITE, token_budget=800)
    assert tight.detailed < roomy.detailed
    assert tight.detailed + tight.summarized > tight.detailed


def test_rendering_does_not_depend_on_input_order() -> None:
    rows = big_site(300)
    shuffled = rows[:]
    random.Random(1).shuffle(shuffled)
    first = render_digest(build_digest(rows, 100, SITE, 2000))
    second = render_digest(build_digest(shuffled, 100, SITE, 2000))
    assert first == second


def test_an_empty_site_renders_a_header_only() -> None:
    digest = build_digest([], pages_count=12, site_url=SITE, token_budget=MIN_TOKEN_BUDGET)
    assert digest.groups == ()
    assert render_digest(digest) == f"Site: {SITE}\nPages crawled: 12\nIssues found: 0 across 0 rules"


def test_a_budget_below_the_minimum_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="below the minimum"):
        build_digest([], pages_count=1, site_url=SITE, token_budget=MIN_TOKEN_BUDGET - 1)


@pytest.mark.parametrize(
    ("text", "at_least"),
    [("", 0), ("abcdefg", 2), ("a" * 350, 100), ("日本語", 3), ("é" * 10, 10)],
)
def test_the_token_estimate_is_conservative(text: str, at_least: int) -> None:
    assert estimate_tokens(text) >= at_least
    assert estimate_tokens(text) >= len(text) / 4
