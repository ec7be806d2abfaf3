"""Helpers for driving jobs over HTTP in end-to-end tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.services import ServiceSet, wait_for

TERMINAL = {"COMPLETED", "FAILED", "CANCELLED"}


async def job_status(
    http: httpx.AsyncClient, svc: ServiceSet, job_id: str, headers: dict[str, str]
) -> dict[str, Any]:
    """The job as GET /api/jobs/{id}/status shows it."""
    resp = await http.get(f"{svc.api_url}/api/jobs/{job_id}/status", headers=headers)
    assert resp.status_code == 200, resp.text
    job: dict[str, Any] = resp.json()["job"]
    return job


async def wait_terminal(
    http: httpx.AsyncClient, svc: ServiceSet, job_id: str, headers: dict[str, str], timeout_s: float = 90
) -> dict[str, Any]:
    """Poll the status endpoint (the seed's client pattern) until the job has ended."""
    seen: dict[str, Any] = {}

    async def done() -> bool:
        seen.update(await job_status(http, svc, job_id, headers))
        return seen["status"] in TERMINAL

    await wait_for(
        done,
        timeout_s,
        lambda: f"job {job_id} to finish (last seen {seen.get('status')})",
        svc.log_tail,
        every_s=0.1,
    )
    return seen


async def post_job(
    http: httpx.AsyncClient, svc: ServiceSet, path: str, body: dict[str, Any], headers: dict[str, str]
) -> str:
    """POST an enqueue endpoint, expect 202, return the job id."""
    resp = await http.post(f"{svc.api_url}{path}", json=body, headers=headers)
    assert resp.status_code == 202, resp.text
    data = resp.json()
    assert data["success"] is True and data["statusUrl"].endswith(f"/api/jobs/{data['jobId']}/status")
    return str(data["jobId"])
