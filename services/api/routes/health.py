"""Liveness and readiness probes, and the default Kafka probe."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from seojobs.adapters.kafka.admin import kafka_ready
from seojobs.adapters.kafka.connect import KafkaTarget
from services.api.deps import KafkaReady, State

router = APIRouter(tags=["health"])
logger = logging.getLogger("seojobs.api")

#: Seconds each readiness check may take before it counts as failed.
CHECK_TIMEOUT_S = 3.0


#: Seconds one Kafka connection attempt may take.
CONNECT_TIMEOUT_S = 2.0


def _host_port(server: str) -> tuple[str, int]:
    host, _, port = server.strip().rpartition(":")
    return host.strip("[]") or "localhost", int(port or 9092)


def kafka_probe(bootstrap_servers: KafkaTarget) -> KafkaReady:
    """A probe that is True when the broker answers a metadata request (not just a TCP accept)."""
    async def ready() -> bool:
        return await kafka_ready(bootstrap_servers)

    return ready


@router.get("/healthz")
async def healthz() -> dict[str, Any]:
    """The process is alive (no dependency is checked)."""
    return {"success": True, "status": "ok"}


async def _database_ok(state: State) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S), state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception:
        logger.warning("readiness: database check failed", exc_info=True)
        return False
    return True


async def _kafka_ok(state: State) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            return await state.kafka_ready()
    except Exception:
        logger.warning("readiness: kafka check failed", exc_info=True)
        return False


@router.get("/readyz", responses={503: {"description": "The database or Kafka is unavailable"}})
async def readyz(state: State) -> JSONResponse:
    """Ready when the database answers SELECT 1 and Kafka is reachable; 503 names what failed."""
    db_ok, kafka_ok = await asyncio.gather(_database_ok(state), _kafka_ok(state))
    checks = {"database": "ok" if db_ok else "unavailable", "kafka": "ok" if kafka_ok else "unavailable"}
    failed = [name for name, result in checks.items() if result != "ok"]
    if failed:
        body = {"success": False, "error": f"not ready: {', '.join(failed)} unavailable",
                "checks": checks}
        return JSONResponse(body, status_code=503)
    return JSONResponse({"success": True, "status": "ready", "checks": checks})
