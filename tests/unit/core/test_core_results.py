"""Job results: what the handlers build fits the result models, and the OpenAPI document shows them."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from seojobs.crawl.records import CrawlReport, IssueRecord, PageRecord, crawl_result
from seojobs.domain.contracts.event_payloads import CompletedPayload
from seojobs.domain.contracts.results import (
    AnalysisResult,
    CrawlResult,
    NoopResult,
    SyncMetricsResult,
)
from seojobs.domain.registry import KNOWN
from seojobs.handlers.analyze import _result as analysis_result
from seojobs.maintenance.handlers import noop
from seojobs.maintenance.metrics import SiteMetrics
from seojobs.maintenance.rules import CrawlFigures
from seojobs.settings import Settings
from services.api.app import create_app


def test_every_declared_type_has_a_result_model() -> None:
    assert [s.job_type for s in KNOWN if s.result is None] == []


def test_a_crawl_result_is_the_seeds_shape_plus_ours() -> None:
    page = PageRecord("https://a.test/", 200, None, 12.0, 100, "A", 10)
    issues = (IssueRecord("https://a.test/", "missing-h1", "high", "none"),)
    result = crawl_result(CrawlReport("https://a.test/", (page,), issues, "completed", 42))
    model = CrawlResult.model_validate(result)
    assert (model.success, model.pages_analyzed, model.issues_found) == (True, 1, 1)
    assert model.model_dump(mode="json", by_alias=True, exclude_none=True) == result, "nothing is lost"
    CompletedPayload.model_validate({"result": result})


def test_analysis_metrics_and_noop_results_fit_their_models() -> None:
    conv = uuid.uuid4()
    analysis: dict[str, Any] = analysis_result(conv, 3, [], "offline", {"input": 5})
    assert AnalysisResult.model_validate(analysis).conversation_id == str(conv)
    figures = CrawlFigures(issues_high=1, issues_medium=2, issues_low=3, pages=4)
    metrics = SiteMetrics(uuid.uuid4(), None, figures, 70).as_json()
    synced = SyncMetricsResult.model_validate({"success": True, "sitesSynced": 1, "metrics": [metrics]})
    assert synced.metrics is not None and synced.metrics[0].score == 70
    assert NoopResult.model_validate(asyncio.run(noop(None)))  # type: ignore[arg-type]


def test_the_openapi_document_types_a_jobs_result_by_its_type() -> None:
    spec = create_app(Settings()).openapi()
    schemas = spec["components"]["schemas"]
    ok = spec["paths"]["/api/jobs/{job_id}/status"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/JobStatusResponse"}
    job = schemas["JobStatusResponse"]["properties"]["job"]
    mapping = job["discriminator"]["mapping"]
    assert job["discriminator"]["propertyName"] == "type"
    assert sorted(mapping) == sorted(t.value for t in KNOWN.types())
    for spec_ in KNOWN:
        assert spec_.result is not None
        view = schemas[mapping[spec_.job_type.value].rsplit("/", 1)[-1]]
        refs = [b.get("$ref") for b in view["properties"]["result"]["anyOf"]]
        assert f"#/components/schemas/{spec_.result.__name__}" in refs
    assert schemas["CrawlResult"]["required"] == ["success", "pagesAnalyzed", "issuesFound"]
    listed = schemas["JobListResponse"]["properties"]["jobs"]["items"]
    assert listed["discriminator"]["propertyName"] == "type"
