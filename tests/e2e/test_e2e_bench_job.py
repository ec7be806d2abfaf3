"""The bench's NOOP type: declared outside the product's registry, run only where the bench is enabled."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import Account
from tests.e2e.jobs_http import post_job, wait_terminal
from tests.support.services import ServiceSet

pytestmark = pytest.mark.e2e


async def test_a_noop_job_runs_on_the_maintenance_worker_when_the_bench_is_enabled(
    services: ServiceSet, admin: Account, http: httpx.AsyncClient
) -> None:
    for name in ("api", "relay", "projector", "maintenance"):
        services.start(name, SEOJOBS_BENCH_ENABLED="true")
    await services.wait_api()
    job_id = await post_job(http, services, "/api/jobs/noop", {"tag": "bench"}, admin.headers)
    job = await wait_terminal(http, services, job_id, admin.headers)
    assert (job["status"], job["type"], job["result"]) == ("COMPLETED", "NOOP", {"success": True}), job
