"""One entry of the offline knowledge base, and how it becomes a recommendation for a site."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from seojobs.domain.analysis.digest import RuleGroup
from seojobs.domain.analysis.recommendation import Effort, Priority, Recommendation

#: Share of crawled pages a high-severity rule must touch to become critical.
CRITICAL_PAGE_SHARE: Final[float] = 0.10
#: Share of crawled pages a medium-severity rule must touch to rise to high priority.
ESCALATE_MEDIUM_SHARE: Final[float] = 0.50


@dataclass(frozen=True, slots=True)
class KnowledgeEntry:
    """What a rule means, why it matters, how to fix it, and the fixed markup where it helps."""

    rule: str
    meaning: str
    why: str
    effort: Effort
    fix_steps: tuple[str, ...]
    example: str | None = None


def page_share(group: RuleGroup, pages_count: int) -> float:
    """Return the share of crawled pages the group touches (0 when the page count is unknown)."""
    if pages_count <= 0:
        return 0.0
    return min(1.0, group.pages / pages_count)


def priority_for(group: RuleGroup, pages_count: int) -> Priority:
    """Derive a priority from the rule's severity and how much of the site it touches."""
    share = page_share(group, pages_count)
    if group.severity == "high":
        return "critical" if share >= CRITICAL_PAGE_SHARE else "high"
    if group.severity == "medium":
        return "high" if share >= ESCALATE_MEDIUM_SHARE else "medium"
    return "low"


def impact_text(entry: KnowledgeEntry, group: RuleGroup) -> str:
    """Return the entry's impact sentence, prefixed with the rule's reach on this site."""
    issues = "issue" if group.count == 1 else "issues"
    pages = "page" if group.pages == 1 else "pages"
    return f"{group.count} {issues} on {group.pages} {pages}. {entry.why}"


def to_recommendation(entry: KnowledgeEntry, group: RuleGroup, pages_count: int) -> Recommendation:
    """Turn a knowledge entry into the recommendation for one rule group of a site."""
    return Recommendation(
        rule=group.rule,
        priority=priority_for(group, pages_count),
        expected_impact=impact_text(entry, group),
        effort=entry.effort,
        fix_steps=list(entry.fix_steps),
        example=entry.example,
    )


def generic_entry(rule: str) -> KnowledgeEntry:
    """Return advice for a rule the knowledge base does not know (a newer crawler rule)."""
    return KnowledgeEntry(
        rule=rule,
        meaning=f"Pages flagged by the rule {rule}.",
        why="The crawler flagged these pages; fixing them removes a signal that hurts the site.",
        effort="medium",
        fix_steps=(
            f"Open the pages flagged by {rule} and read the evidence the crawler recorded.",
            "Fix the cause in the template or content that produces them.",
            "Re-crawl the site to confirm the issue is gone.",
        ),
    )
