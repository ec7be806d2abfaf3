"""Liveness and readiness probes, and the default Kafka probe."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from seojobs.adapters.kafka.admin import kafka_ready
from seojobs.adapters.kafka.connect import KafkaTarget, connection_from
from seojobs.adapters.kafka.topic_health import under_replicated
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


async def _under_replicated(state: State) -> int | None:
    """Under-replicated partitions of this deployment's topics (None: Kafka did not say)."""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S):
            found = await under_replicated(connection_from(state.settings), state.settings.topic_prefix)
    except Exception:
        logger.warning("readiness: under-replicated partitions unknown", exc_info=True)
        return None
    return sum(found.values())


@router.get("/readyz", responses={503: {"description": "The database or Kafka is unavailable"}})
async def readyz(state: State) -> JSONResponse:
    """Ready when the database answers SELECT 1 and Kafka is reachable; 503 names what failed.

    Under-replicated partitions are reported but do not make the API unready: writes still
    succeed while min.insync.replicas replicas are in sync.
    """
    db_ok, kafka_ok = await asyncio.gather(_database_ok(state), _kafka_ok(state))
    checks: dict[str, str | int | None] = {
        "database": "ok" if db_ok else "unavailable",
        "kafka": "ok" if kafka_ok else "unavailable",
    }
    if kafka_ok:
        checks["underReplicatedPartitions"] = await _under_replicated(state)
    failed = [name for name in ("database", "kafka") if checks[name] != "ok"]
    if failed:
        body = {"success": False, "error": f"not ready: {', '.join(failed)} unavailable", "checks": checks}
        return JSONResponse(body, status_code=503)
    return JSONResponse({"success": True, "status": "ready", "checks": checks})
