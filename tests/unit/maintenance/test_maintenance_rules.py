"""Pure maintenance rules: months, retention cutoffs and the site score formula."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from seojobs.domain.errors import ValidationFailed
from seojobs.maintenance.rules import (
    CrawlFigures,
    Month,
    cleanup_cutoffs,
    month_of,
    next_month,
    parse_month,
    site_score,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01", Month(2024, 1)),
        ("2024-12", Month(2024, 12)),
        ("1999-07", Month(1999, 7)),
    ],
)
def test_parse_month_reads_valid_months(text: str, expected: Month) -> None:
    assert parse_month(text) == expected
    assert str(parse_month(text)) == text


@pytest.mark.parametrize(
    "text", ["2024-13", "2024-00", "2024-1", "24-01", "2024/01", "", "0000-01", "2024-01-01", " 2024-01"]
)
def test_parse_month_rejects_malformed_months(text: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_month(text)
    assert info.value.details == {"field": "month"}


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        (Month(2024, 1), Month(2024, 2)),
        (Month(2024, 11), Month(2024, 12)),
        (Month(2024, 12), Month(2025, 1)),
        (Month(9998, 12), Month(9999, 1)),
    ],
)
def test_next_month_rolls_over_december(month: Month, expected: Month) -> None:
    assert next_month(month) == expected
    assert next_month(month) > month


def test_month_start_is_first_instant_utc() -> None:
    assert Month(2024, 2).start() == datetime(2024, 2, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (datetime(2024, 3, 1, 0, 0, tzinfo=UTC), "2024-03"),
        (datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC), "2024-02"),
        # 01:30 on 1 March in UTC+2 is still 29 February in UTC.
        (datetime(2024, 3, 1, 1, 30, tzinfo=timezone(timedelta(hours=2))), "2024-02"),
    ],
)
def test_month_of_uses_the_utc_calendar(instant: datetime, expected: str) -> None:
    assert str(month_of(instant)) == expected


def test_month_of_rejects_naive_instants() -> None:
    with pytest.raises(ValidationFailed):
        month_of(datetime(2024, 3, 1))


def test_cleanup_cutoffs_follow_each_retention() -> None:
    now = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
    cut = cleanup_cutoffs(now, days_old=90, retention_days=30)
    assert cut.now == now
    assert cut.rollbacks_created_before == now - timedelta(days=90)
    assert cut.jobs_completed_before == now - timedelta(days=30)
    assert cut.audit_logs_before == now - timedelta(days=365)
    assert cut.notifications_before == now - timedelta(days=90)


def test_cleanup_cutoffs_reject_naive_now() -> None:
    with pytest.raises(ValidationFailed):
        cleanup_cutoffs(datetime(2025, 1, 1), days_old=1, retention_days=1)


@pytest.mark.parametrize(
    ("high", "medium", "low", "pages", "score"),
    [
        (0, 0, 0, 0, 100),  # never crawled, or nothing found
        (0, 0, 0, 50, 100),
        (1, 0, 0, 1, 50),  # one high issue per page costs 50
        (0, 1, 0, 1, 80),  # one medium per page costs 20
        (0, 0, 1, 1, 90),  # one low per page costs 10
        (2, 0, 0, 1, 0),  # two highs per page: floor at 0
        (100, 100, 100, 1, 0),  # clamped, never negative
        (0, 0, 1, 100, 99),  # rounding up: any issue costs at least a point
        (1, 1, 1, 10, 92),  # ceil(10 * 8 / 10) = 8
        (3, 0, 0, 4, 62),  # ceil(10 * 15 / 4) = 38
        (1, 0, 0, 0, 50),  # issues without pages count as one page
    ],
)
def test_site_score_formula(high: int, medium: int, low: int, pages: int, score: int) -> None:
    assert site_score(CrawlFigures(high, medium, low, pages)) == score
