"""Probes and documentation."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from seojobs.settings import Settings
from services.api.app import create_app
from services.api.routes.health import kafka_probe

pytestmark = pytest.mark.integration


async def test_healthz(client: httpx.AsyncClient) -> None:
    resp = await client.get("/healthz")
    assert resp.status_code == 200 and resp.json()["status"] == "ok"


async def _wait_for_kafka(bootstrap: str, timeout_s: float = 60.0) -> None:
    # Other suites may restart the shared native Kafka: wait for the condition, then assert.
    probe = kafka_probe(bootstrap)
    async with asyncio.timeout(timeout_s):
        while not await probe():
            await asyncio.sleep(0.2)


async def test_readyz_checks_the_real_database_and_kafka(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await _wait_for_kafka(settings.kafka_bootstrap_servers)
    resp = await client.get("/readyz")
    assert resp.status_code == 200
    assert resp.json() == {
        "success": True,
        "status": "ready",
        "checks": {"database": "ok", "kafka": "ok", "underReplicatedPartitions": 0},
    }


async def _kafka_down() -> bool:
    return False


async def test_readyz_names_kafka_when_it_is_down(settings: Settings) -> None:
    app = create_app(settings, kafka_ready=_kafka_down)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as c,
    ):
        resp = await c.get("/readyz")
    assert resp.status_code == 503
    assert resp.json() == {
        "success": False,
        "error": "not ready: kafka unavailable",
        "checks": {"database": "ok", "kafka": "unavailable"},
    }


async def test_readyz_names_the_database_when_it_is_down(settings: Settings) -> None:
    await _wait_for_kafka(settings.kafka_bootstrap_servers)
    broken = settings.model_copy(update={"database_url": settings.database_url.rsplit("/", 1)[0] + "/nope"})
    app = create_app(broken, kafka_ready=kafka_probe(settings.kafka_bootstrap_servers))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as c,
    ):
        resp = await c.get("/readyz")
    assert resp.status_code == 503
    assert resp.json()["checks"] == {"database": "unavailable", "kafka": "ok", "underReplicatedPartitions": 0}
    assert "database" in resp.json()["error"]


async def test_tcp_probe_is_false_for_a_closed_port() -> None:
    assert await kafka_probe("127.0.0.1:1")() is False


async def test_openapi_and_docs(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    for path in ("/api/jobs/crawl", "/api/jobs/{job_id}/status", "/api/cron/daily", "/api/sites", "/readyz"):
        assert path in spec["paths"]
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_the_served_openapi_document_shows_the_result_models(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    for name in (
        "CrawlResult",
        "AnalysisResult",
        "CleanupResult",
        "UsageResetResult",
        "SyncMetricsResult",
        "SitemapCheckResult",
    ):
        assert name in schemas, name
    assert schemas["CrawlSiteJob"]["properties"]["result"]["anyOf"][0] == {
        "$ref": "#/components/schemas/CrawlResult"
    }


async def test_unknown_route_uses_the_error_shape(client: httpx.AsyncClient) -> None:
    resp = await client.get("/api/nothing-here")
    assert resp.status_code == 404
    assert resp.json() == {"success": False, "error": "Not Found"}
