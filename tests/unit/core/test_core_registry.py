"""The job-type registry: every table that used to list job types agrees with it."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType
from typing import cast

import pytest
from sqlalchemy import CheckConstraint, Table

from seojobs.adapters.db.models import Job
from seojobs.domain import plans
from seojobs.domain.bench_jobs import NOOP_SPEC
from seojobs.domain.job_spec import JobRegistry, JobSpec
from seojobs.domain.jobs import MAX_PRIORITY, MIN_PRIORITY, JobType, Service
from seojobs.domain.payloads import CrawlPayload
from seojobs.domain.registry import KNOWN, PRODUCT, enabled, job_types_of, spec_of
from seojobs.domain.topics import Topics
from seojobs.pipeline.declared import load_builder
from seojobs.settings import Settings

VERSIONS = Path(__file__).parents[3] / "src" / "seojobs" / "migrations" / "versions"


def _migration(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"migration_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_job_type_name_is_declared_once() -> None:
    assert set(KNOWN.types()) == set(JobType)
    with pytest.raises(ValueError, match="twice"):
        JobRegistry((NOOP_SPEC, NOOP_SPEC))


def test_the_bench_type_is_outside_the_product_and_enabled_only_for_the_bench() -> None:
    assert JobType.NOOP not in PRODUCT
    assert JobType.NOOP not in enabled(bench_enabled=False)
    assert JobType.NOOP in enabled(bench_enabled=True)


def test_the_newest_migration_allows_exactly_the_known_types() -> None:
    """A new type needs a migration: the newest type list is the registry's."""
    lists = {
        int(m.revision): m.NEW_TYPES
        for m in map(_migration, sorted(VERSIONS.glob("0*.py")))
        if hasattr(m, "NEW_TYPES")
    }
    assert set(lists[max(lists)]) == {t.value for t in KNOWN.types()}


def test_the_model_check_constraint_lists_the_known_types() -> None:
    table = cast(Table, Job.__table__)
    check = next(c for c in table.constraints if c.name == "jobs_type_check")
    assert isinstance(check, CheckConstraint)
    assert set(re.findall(r"'(\w+)'", str(check.sqltext))) == {t.value for t in KNOWN.types()}


@pytest.mark.parametrize("spec", list(KNOWN), ids=lambda s: s.job_type.value)
def test_each_spec_is_consistent(spec: JobSpec) -> None:
    assert MIN_PRIORITY <= spec.default_priority <= MAX_PRIORITY
    assert spec.time_limit_s > 0
    if spec.quota is not None:  # metered per user, so the job must be a user's
        assert spec.owned_site and hasattr(plans.DEFAULT_PLANS["free"], f"monthly_{spec.quota}")
    if spec.handler is not None:
        assert callable(load_builder(spec))
    if spec.route is not None:
        assert re.fullmatch(r"[a-z][a-z-]*", spec.route)


def test_quotas_and_priorities_come_from_the_specs() -> None:
    free = plans.DEFAULT_PLANS["free"]
    assert plans.quota_of(free, JobType.CRAWL_SITE) == free.monthly_crawls
    assert plans.quota_of(free, JobType.ANALYZE_SITE) == free.monthly_analyses
    assert plans.quota_of(free, JobType.SITEMAP_CHECK) is None
    assert spec_of(JobType.CLEANUP_ROLLBACKS).default_priority == 2
    assert spec_of(JobType.CRAWL_SITE).payload is CrawlPayload


def test_services_and_delay_topics_are_derived() -> None:
    assert set(job_types_of(Service.CRAWLER)) == {JobType.CRAWL_SITE, JobType.SITEMAP_CHECK}
    topics = Topics("t.")
    assert topics.retry(JobType.SITEMAP_CHECK, 0) == "t.crawler.retry.sitemap_check.0"
    assert "t.crawler.retry.sitemap_check.2" in topics.retry_topics(Service.CRAWLER, 3)


def test_time_limits_and_retry_delays_default_to_the_registry_and_settings_override_them() -> None:
    settings = Settings(
        job_time_limits_s={"ANALYZE_SITE": 5.0}, retry_delays_by_type_s={"SYNC_METRICS": (1.0,)}
    )
    assert settings.time_limit_s("CRAWL_SITE") == 900.0
    assert settings.time_limit_s("SITEMAP_CHECK") == spec_of(JobType.SITEMAP_CHECK).time_limit_s
    assert settings.time_limit_s("ANALYZE_SITE") == 5.0
    assert settings.time_limit_s("SOMETHING_ELSE") == settings.job_time_limit_default_s
    assert settings.retry_delays_by_type() == {"SYNC_METRICS": (1.0,)}
