"""The offline knowledge base over every rule id, and the recommendations it gives for a digest."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from seojobs.domain.analysis.digest import Digest
from seojobs.domain.analysis.kb_crawl import CRAWL_ENTRIES
from seojobs.domain.analysis.kb_entry import KnowledgeEntry, generic_entry, to_recommendation
from seojobs.domain.analysis.kb_page import PAGE_ENTRIES
from seojobs.domain.analysis.kb_render import RENDER_ENTRIES
from seojobs.domain.analysis.recommendation import Recommendation
from seojobs.domain.analysis.rule_ids import severity_rank
from seojobs.domain.seo.categories import CATEGORY_LABEL, category_of

#: The knowledge entry of every rule id the offline engine knows.
KNOWLEDGE_BASE: Final[Mapping[str, KnowledgeEntry]] = MappingProxyType(
    {entry.rule: entry for entry in (*CRAWL_ENTRIES, *PAGE_ENTRIES, *RENDER_ENTRIES)}
)

_PRIORITY_RANK: Final[dict[str, int]] = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def knowledge_for(rule: str) -> KnowledgeEntry:
    """Return the entry for a rule, or generic advice for a rule the base does not know."""
    return KNOWLEDGE_BASE.get(rule) or generic_entry(rule)


def offline_recommendations(digest: Digest) -> list[Recommendation]:
    """Recommend a fix for every rule in the digest: by priority, severity, frequency, then id."""
    ranked = [
        (to_recommendation(knowledge_for(group.rule), group, digest.pages_count), group)
        for group in digest.groups
    ]
    ranked.sort(
        key=lambda pair: (
            _PRIORITY_RANK[pair[0].priority],
            severity_rank(pair[1].severity),
            -pair[1].count,
            pair[1].rule,
        )
    )
    return [recommendation for recommendation, _group in ranked]


def rule_glossary() -> str:
    """Return one line per known rule saying its category and what it means, for the prompt."""
    return "\n".join(
        f"- {rule} ({CATEGORY_LABEL[category_of(rule)]}): {entry.meaning}"
        for rule, entry in KNOWLEDGE_BASE.items()
    )
