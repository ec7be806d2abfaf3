"""Group a site's issues by rule into a digest that fits a token budget, and render it as text."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from seojobs.domain.analysis.rule_ids import most_severe, severity_rank
from seojobs.domain.errors import ValidationFailed

#: Characters per token assumed by the estimate; English prose averages about 4, so this overcounts.
CHARS_PER_TOKEN: Final[float] = 3.5
#: Example pages shown for each rule rendered in detail.
DEFAULT_MAX_EXAMPLES: Final[int] = 3
#: Longest evidence excerpt kept for one example, in characters.
MAX_EVIDENCE_CHARS: Final[int] = 200
#: Longest URL kept for one example (and for the site URL), in characters.
MAX_URL_CHARS: Final[int] = 200
#: Smallest budget accepted: the header and the footer always fit in it.
MIN_TOKEN_BUDGET: Final[int] = 200
#: Marks text cut short to its limit.
ELLIPSIS: Final[str] = "…"


def estimate_tokens(text: str) -> int:
    """Estimate a text's token count from above: chars/3.5, plus one per non-ASCII char."""
    non_ascii = sum(1 for char in text if ord(char) > 127)
    return math.ceil(len(text) / CHARS_PER_TOKEN) + non_ascii


@dataclass(frozen=True, slots=True)
class IssueRow:
    """One SEO issue the crawler stored: which rule, how severe, on which page, and why."""

    rule: str
    severity: str
    url: str
    evidence: str


@dataclass(frozen=True, slots=True)
class Example:
    """One page showing a rule's issue, with the evidence the crawler recorded."""

    url: str
    evidence: str


@dataclass(frozen=True, slots=True)
class RuleGroup:
    """Every issue of one rule: its worst severity, how many issues and pages, a few examples."""

    rule: str
    severity: str
    count: int
    pages: int
    examples: tuple[Example, ...]


@dataclass(frozen=True, slots=True)
class Digest:
    """All rule groups, most severe then most frequent first, and how many of them render."""

    site_url: str
    pages_count: int
    token_budget: int
    groups: tuple[RuleGroup, ...]
    #: How many leading groups render with their examples.
    detailed: int
    #: How many groups after those render as counts only; the rest are dropped with a total.
    summarized: int

    @property
    def total_issues(self) -> int:
        """Return the number of issues over every rule."""
        return sum(group.count for group in self.groups)

    @property
    def rules(self) -> tuple[str, ...]:
        """Return every rule id in the digest, in digest order."""
        return tuple(group.rule for group in self.groups)

    @property
    def dropped_groups(self) -> tuple[RuleGroup, ...]:
        """Return the groups left out of the rendered text."""
        return self.groups[self.detailed + self.summarized :]

    @property
    def dropped_issues(self) -> int:
        """Return how many issues the dropped groups hold."""
        return sum(group.count for group in self.dropped_groups)


@dataclass(slots=True)
class _Accumulator:
    severity: str
    count: int = 0
    urls: set[str] = field(default_factory=set)
    candidates: list[tuple[int, str, str]] = field(default_factory=list)


def _clean(text: str, limit: int) -> str:
    """Collapse whitespace (so crawled text cannot break the layout) and cut to ``limit``."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + ELLIPSIS


def _examples(candidates: list[tuple[int, str, str]], max_examples: int) -> tuple[Example, ...]:
    chosen: list[Example] = []
    seen: set[str] = set()
    for _rank, url, evidence in sorted(candidates):
        if url in seen:
            continue
        seen.add(url)
        chosen.append(Example(url=url, evidence=evidence))
        if len(chosen) == max_examples:
            break
    return tuple(chosen)


def group_issues(issues: Iterable[IssueRow], max_examples: int) -> tuple[RuleGroup, ...]:
    """Group issues by rule: most severe first, then most frequent, then by rule id."""
    by_rule: dict[str, _Accumulator] = {}
    for issue in issues:
        rule = issue.rule.strip()
        severity = issue.severity.strip().lower()
        url = _clean(issue.url, MAX_URL_CHARS)
        acc = by_rule.setdefault(rule, _Accumulator(severity=severity))
        acc.severity = most_severe(acc.severity, severity)
        acc.count += 1
        acc.urls.add(url)
        evidence = _clean(issue.evidence, MAX_EVIDENCE_CHARS)
        acc.candidates.append((severity_rank(severity), url, evidence))
    groups = [
        RuleGroup(
            rule=rule,
            severity=acc.severity,
            count=acc.count,
            pages=len(acc.urls),
            examples=_examples(acc.candidates, max_examples),
        )
        for rule, acc in by_rule.items()
    ]
    groups.sort(key=lambda group: (severity_rank(group.severity), -group.count, group.rule))
    return tuple(groups)


def _header(site_url: str, pages_count: int, groups: tuple[RuleGroup, ...]) -> str:
    total = sum(group.count for group in groups)
    return (
        f"Site: {_clean(site_url, MAX_URL_CHARS)}\n"
        f"Pages crawled: {pages_count}\n"
        f"Issues found: {total} across {len(groups)} rules"
    )


#: Heading above the rules rendered with examples.
DETAIL_HEADING: Final[str] = "\n## Rules with examples (most severe, then most frequent, first)"
#: Heading above the rules rendered as counts only.
SUMMARY_HEADING: Final[str] = "\n## Further rules (counts only)"


def _summary_line(group: RuleGroup) -> str:
    return f"- {group.rule} | severity {group.severity} | {group.count} issues on {group.pages} pages"


def _detail_block(group: RuleGroup) -> str:
    lines = [f"\n### {group.rule} | severity {group.severity} | {group.count} issues on {group.pages} pages"]
    lines.extend(f"- {example.url} :: {example.evidence}" for example in group.examples)
    return "\n".join(lines)


def _footer(dropped_rules: int, dropped_issues: int) -> str:
    return (
        f"\n## Left out\n{dropped_rules} further rules with {dropped_issues} issues "
        "were left out to fit the prompt."
    )


def _parts(digest: Digest) -> list[str]:
    parts = [_header(digest.site_url, digest.pages_count, digest.groups)]
    detailed = digest.groups[: digest.detailed]
    summarized = digest.groups[digest.detailed : digest.detailed + digest.summarized]
    if detailed:
        parts.append(DETAIL_HEADING)
        parts.extend(_detail_block(group) for group in detailed)
    if summarized:
        parts.append(SUMMARY_HEADING)
        parts.extend(_summary_line(group) for group in summarized)
    if digest.dropped_groups:
        parts.append(_footer(len(digest.dropped_groups), digest.dropped_issues))
    return parts


def render_digest(digest: Digest) -> str:
    """Render the digest as the prompt text the engines send (the user turn)."""
    return "\n".join(_parts(digest))


class _Budget:
    """Tracks the estimate of parts joined by newlines, as render_digest joins them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.chars = 0
        self.non_ascii = 0

    def _cost(self, chars: int, non_ascii: int) -> int:
        return math.ceil(chars / CHARS_PER_TOKEN) + non_ascii

    def try_add(self, *texts: str) -> bool:
        """Count the texts in if the total stays within the limit; say whether they fit."""
        chars = self.chars + sum(len(text) + 1 for text in texts)
        non_ascii = self.non_ascii + sum(1 for text in texts for char in text if ord(char) > 127)
        if self._cost(chars, non_ascii) > self.limit:
            return False
        self.chars, self.non_ascii = chars, non_ascii
        return True


def _fit(groups: tuple[RuleGroup, ...], header: str, token_budget: int) -> tuple[int, int]:
    """Return how many groups render in detail and how many as counts within the budget."""
    total = sum(group.count for group in groups)
    # Reserve the footer at its largest, as its counts are only known at the end.
    footer = _footer(len(groups), total) if groups else ""
    budget = _Budget(token_budget - estimate_tokens(footer) - 1)
    budget.try_add(header)
    detailed = 0
    for group in groups:
        texts = (DETAIL_HEADING, _detail_block(group)) if detailed == 0 else (_detail_block(group),)
        if not budget.try_add(*texts):
            break
        detailed += 1
    summarized = 0
    for group in groups[detailed:]:
        line = _summary_line(group)
        texts = (SUMMARY_HEADING, line) if summarized == 0 else (line,)
        if not budget.try_add(*texts):
            break
        summarized += 1
    return detailed, summarized


def build_digest(
    issues: Iterable[IssueRow],
    pages_count: int,
    site_url: str,
    token_budget: int,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
) -> Digest:
    """Group issues by rule and decide what renders in detail, as counts, or not at all."""
    if token_budget < MIN_TOKEN_BUDGET:
        raise ValidationFailed(
            f"token budget {token_budget} is below the minimum of {MIN_TOKEN_BUDGET}",
            token_budget=token_budget,
        )
    if max_examples < 1:
        raise ValidationFailed(f"max_examples must be at least 1, got {max_examples}")
    groups = group_issues(issues, max_examples)
    header = _header(site_url, pages_count, groups)
    detailed, summarized = _fit(groups, header, token_budget)
    return Digest(
        site_url=site_url,
        pages_count=pages_count,
        token_budget=token_budget,
        groups=groups,
        detailed=detailed,
        summarized=summarized,
    )
