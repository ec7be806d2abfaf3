"""The engine's public records: options in, progress out, the report at the end."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from seojobs.domain.errors import ValidationFailed
from seojobs.domain.seo.catalogue import Severity
from seojobs.domain.seo.thresholds import RuleThresholds

#: Pages crawled when the job does not say.
DEFAULT_MAX_PAGES = 10
#: The most pages one crawl may take.
MAX_PAGES_LIMIT = 1000
#: Pages in flight at once against one host.
DEFAULT_PER_HOST_CONCURRENCY = 4
#: Seconds one page (all its redirects and sub-resources) may take.
DEFAULT_PAGE_TIMEOUT_S = 20.0
#: Seconds a whole crawl may take before it stops with what it has.
DEFAULT_JOB_TIMEOUT_S = 600.0
#: The longest robots.txt Crawl-delay honoured, in seconds.
DEFAULT_CRAWL_DELAY_CAP_S = 5.0
#: Share of failed pages (no answer, 5xx, 429) above which the crawl stops.
DEFAULT_ERROR_THRESHOLD = 0.5
#: Pages crawled before the error threshold applies.
DEFAULT_ERROR_MIN_PAGES = 10
#: Seconds a browser page is measured after its load event (CLS is "measured until 3 s after load").
DEFAULT_MEASURE_AFTER_LOAD_S = 3.0
#: How the crawler introduces itself (and the token robots.txt groups match).
DEFAULT_USER_AGENT = "seojobs-crawler/0.1"

RenderMode = Literal["browser", "http"]
StoppedReason = Literal["completed", "max_pages", "error_threshold", "job_timeout"]


@dataclass(frozen=True)
class CrawlOptions:
    """How one crawl runs; every field has a default."""

    max_pages: int = DEFAULT_MAX_PAGES
    render: RenderMode = "browser"
    per_host_concurrency: int = DEFAULT_PER_HOST_CONCURRENCY
    page_timeout_s: float = DEFAULT_PAGE_TIMEOUT_S
    job_timeout_s: float = DEFAULT_JOB_TIMEOUT_S
    crawl_delay_cap_s: float = DEFAULT_CRAWL_DELAY_CAP_S
    error_threshold: float = DEFAULT_ERROR_THRESHOLD
    error_min_pages: int = DEFAULT_ERROR_MIN_PAGES
    allowed_private: tuple[str, ...] = ()
    #: Hosts (IP networks or exact names) whose TLS certificate is not verified; empty in production.
    tls_insecure_hosts: tuple[str, ...] = ()
    user_agent: str = DEFAULT_USER_AGENT
    #: Browser mode: how long after load LCP, layout shifts and script errors are still collected.
    measure_after_load_s: float = DEFAULT_MEASURE_AFTER_LOAD_S
    thresholds: RuleThresholds = field(default_factory=RuleThresholds)

    def __post_init__(self) -> None:
        """Refuse options no crawl can honour."""
        if not 1 <= self.max_pages <= MAX_PAGES_LIMIT:
            raise ValidationFailed(f"max_pages must be 1..{MAX_PAGES_LIMIT}", max_pages=self.max_pages)
        if self.render not in ("browser", "http"):
            raise ValidationFailed("render must be 'browser' or 'http'", render=self.render)
        if self.per_host_concurrency < 1:
            raise ValidationFailed("per_host_concurrency must be at least 1")
        if (
            self.page_timeout_s <= 0
            or self.job_timeout_s <= 0
            or self.crawl_delay_cap_s < 0
            or self.measure_after_load_s < 0
        ):
            raise ValidationFailed("timeouts must be positive and the delay cap not negative")
        if not 0 <= self.error_threshold <= 1:
            raise ValidationFailed("error_threshold must be within 0..1")


@dataclass(frozen=True)
class CrawlProgress:
    """Progress after one page: percent of the expected pages, 100 only at the end."""

    pages_done: int
    pages_total: int
    percent: int
    url: str


@dataclass(frozen=True)
class PageRecord:
    """One crawled URL as stored."""

    url: str
    status: int | None
    redirect_target: str | None
    ttfb_ms: float | None
    bytes: int
    title: str | None
    words: int


@dataclass(frozen=True)
class IssueRecord:
    """One rule that fired on one URL, as stored."""

    url: str
    rule: str
    severity: Severity
    evidence: str


@dataclass(frozen=True)
class CrawlReport:
    """Everything one crawl found."""

    base_url: str
    pages: tuple[PageRecord, ...]
    issues: tuple[IssueRecord, ...]
    stopped_reason: StoppedReason
    duration_ms: int


def crawl_result(report: CrawlReport) -> dict[str, object]:
    """Summarise a report as the job's result payload."""
    by_severity = Counter(issue.severity for issue in report.issues)
    by_rule = Counter(issue.rule for issue in report.issues)
    return {
        "success": True,
        "pagesAnalyzed": len(report.pages),
        "issuesFound": len(report.issues),
        "issuesBySeverity": {s: by_severity.get(s, 0) for s in ("high", "medium", "low")},
        "issuesByRule": dict(sorted(by_rule.items())),
        "durationMs": report.duration_ms,
        "stoppedReason": report.stopped_reason,
    }
