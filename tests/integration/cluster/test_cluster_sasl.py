"""The pipeline over SASL_SSL (SCRAM-SHA-512, a locally made CA) on the native 3-node cluster."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.kafka.admin import ensure_topics
from seojobs.adapters.kafka.connect import KafkaAuthFailed, connection_from
from seojobs.adapters.kafka.topic_health import check_topics, project_specs
from seojobs.domain.jobs import JobType
from seojobs.domain.topics import Topics
from seojobs.queue_service import QueueService
from seojobs.settings import Settings
from tests.e2e.conftest import make_account
from tests.support.cluster import ClusterHandle, connection_env
from tests.support.services import ServiceSet, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

#: Jobs that go through the authenticated pipeline.
JOBS = 60


async def _completed(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(
            (
                await conn.execute(
                    text("SELECT count(*) FROM jobs WHERE type = 'NOOP' AND status = 'COMPLETED'")
                )
            ).scalar_one()
        )


async def test_the_pipeline_runs_over_sasl_ssl_with_scram(
    kafka_cluster: ClusterHandle, settings: Settings, engine: AsyncEngine, tmp_path: Path
) -> None:
    conn = connection_from(settings)
    assert conn.security_protocol == "SASL_SSL" and conn.bootstrap.endswith("29394")
    services = ServiceSet(settings, tmp_path, SEOJOBS_BENCH_ENABLED="true", **connection_env(conn))
    try:
        for name in ("api", "relay", "projector", "maintenance"):
            services.start(name)
        await services.wait_api()
        queue = QueueService(engine, Topics(settings.topic_prefix))
        async with engine.begin() as db:
            for _ in range(JOBS):
                await queue.submit_in(db, queue.build(JobType.NOOP, {"tag": "sasl"}))

        async def all_done() -> bool:
            return await _completed(engine) == JOBS

        await wait_for(all_done, 180, f"{JOBS} jobs completed over SASL_SSL", services.log_tail, 0.5)
        admin = await make_account(engine, role="admin")
        async with httpx.AsyncClient(timeout=30) as http:
            ready = await http.get(f"{services.api_url}/readyz", headers=admin.headers)
        assert ready.json()["checks"] == {"database": "ok", "kafka": "ok", "underReplicatedPartitions": 0}
    finally:
        services.stop_all()
    report = await check_topics(conn, project_specs(Topics(settings.topic_prefix), settings.retry_steps))
    assert report.brokers == 3 and not report.differences, [d.describe() for d in report.differences]


async def test_a_wrong_password_is_refused_with_a_clear_error(
    kafka_cluster: ClusterHandle, settings: Settings, tmp_path: Path
) -> None:
    wrong = kafka_cluster.sasl(password="not-the-password")
    with pytest.raises(KafkaAuthFailed) as refused:
        await ensure_topics(wrong, Topics(settings.topic_prefix).all_specs())
    assert "refused the credentials of user 'seojobs-test' (SCRAM-SHA-512)" in refused.value.message
    assert "not-the-password" not in refused.value.message

    services = ServiceSet(settings, tmp_path, **connection_env(wrong))
    try:
        proc = services.start("projector")
        assert proc.wait(timeout=60) != 0, "a service with a wrong password stops"
    except subprocess.TimeoutExpired:
        pytest.fail("the projector kept running with a wrong password:\n" + services.log_tail())
    finally:
        services.stop_all()
    assert "refused the credentials of user 'seojobs-test'" in services.log_tail(200)
