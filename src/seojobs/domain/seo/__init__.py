"""The SEO rule catalogue: pure rules over collected crawl facts (no I/O)."""

from __future__ import annotations

from seojobs.domain.seo.catalogue import RULES, Severity, severity_of
from seojobs.domain.seo.extract import extract_page_facts
from seojobs.domain.seo.facts import (
    Finding,
    Hreflang,
    Image,
    Link,
    PageFacts,
    ResponseFacts,
    RobotsFacts,
    SiteFacts,
    UrlOutcome,
    UrlScope,
)
from seojobs.domain.seo.page_rules import check_page
from seojobs.domain.seo.site_rules import analyze_site
from seojobs.domain.seo.thresholds import RuleThresholds

__all__ = [
    "RULES",
    "Finding",
    "Hreflang",
    "Image",
    "Link",
    "PageFacts",
    "ResponseFacts",
    "RobotsFacts",
    "RuleThresholds",
    "Severity",
    "SiteFacts",
    "UrlOutcome",
    "UrlScope",
    "analyze_site",
    "check_page",
    "extract_page_facts",
    "severity_of",
]
