"""The results of the job types: the seed's shapes (``success`` and its counts) and the fields
this platform adds to them. A stored result is read back as it was written (extra keys kept)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from seojobs.domain.analysis.recommendation import Recommendation
from seojobs.domain.contracts.fields import OptionalStr, UuidStr


class _Result(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    success: bool
    error: OptionalStr = Field(None, description="Why the job did not succeed, when it did not.")


class IssuesBySeverity(BaseModel):
    """Issue counts per severity."""

    model_config = ConfigDict(frozen=True)

    high: int = 0
    medium: int = 0
    low: int = 0


class CrawlResult(_Result):
    """CRAWL_SITE (the seed's CrawlJobResult): pages visited and issues found."""

    pages_analyzed: int = Field(alias="pagesAnalyzed")
    issues_found: int = Field(alias="issuesFound")
    issues_by_severity: IssuesBySeverity | None = Field(None, alias="issuesBySeverity")
    issues_by_rule: dict[str, int] | None = Field(None, alias="issuesByRule")
    duration_ms: int | None = Field(None, alias="durationMs")
    stopped_reason: Literal["completed", "max_pages", "error_threshold", "job_timeout"] | None = Field(
        None, alias="stoppedReason"
    )


class AnalysisResult(_Result):
    """ANALYZE_SITE (the seed's AnalysisJobResult): the conversation holding the recommendations."""

    conversation_id: UuidStr | None = Field(None, alias="conversationId")
    issues_analyzed: int = Field(alias="issuesAnalyzed")
    recommendations: list[Recommendation] | None = None
    engine: str | None = Field(None, description="The analysis engine that answered (offline, claude...).")
    tokens: dict[str, int] | None = Field(None, description="Tokens the engine used, by kind.")


class CleanupResult(_Result):
    """CLEANUP_ROLLBACKS (the seed's CleanupJobResult): rows removed per table."""

    rollbacks_cleaned: int = Field(alias="rollbacksCleaned")
    jobs_cleaned: int = Field(alias="jobsCleaned")
    audit_logs_cleaned: int | None = Field(None, alias="auditLogsCleaned")
    notifications_cleaned: int | None = Field(None, alias="notificationsCleaned")


class UsageResetResult(_Result):
    """RESET_USAGE (the seed's UsageResetJobResult): usage records reset or created."""

    users_reset: int = Field(alias="usersReset")


class SiteMetricsRow(BaseModel):
    """One site's recomputed figures."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    site_id: UuidStr = Field(alias="siteId")
    crawl_job_id: UuidStr | None = Field(alias="crawlJobId")
    issues_high: int = Field(alias="issuesHigh")
    issues_medium: int = Field(alias="issuesMedium")
    issues_low: int = Field(alias="issuesLow")
    pages: int
    score: int


class SyncMetricsResult(_Result):
    """SYNC_METRICS: sites synced (and their figures when one site was asked for)."""

    sites_synced: int = Field(alias="sitesSynced")
    metrics: list[SiteMetricsRow] | None = None


class NoopResult(_Result):
    """NOOP (benchmarks only): success and nothing else."""
