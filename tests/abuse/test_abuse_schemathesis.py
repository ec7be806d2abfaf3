"""Property-based fuzzing of the live API from its OpenAPI document: no 5xx, no off-schema answer."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.conftest import make_account
from tests.support.services import ServiceSet

pytestmark = pytest.mark.e2e

#: Examples per operation: enough to reach every parameter, small enough for about a minute.
MAX_EXAMPLES = 15
#: What every answer must satisfy: no 5xx, a documented status code, content type and schema.
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


async def test_fuzzed_requests_never_get_a_5xx_or_an_undocumented_answer(
    services: ServiceSet, engine: AsyncEngine
) -> None:
    admin = await make_account(engine, role="admin")
    services.start("api")
    await services.wait_api()
    cmd = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{services.api_url}/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--generation-deterministic",
        "--header",
        f"Authorization:Bearer {admin.token}",
        "--exclude-path-regex",
        "live|stream|events$",
    ]
    proc = await asyncio.to_thread(subprocess.run, cmd, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
