"""GET /metrics: the API process's Prometheus metrics, with the outbox and lag gauges refreshed."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.requests import HTTPConnection

from seojobs import metrics
from services.api.deps import Engine
from services.api.observe import outbox_backlog, read_queues

router = APIRouter(tags=["metrics"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"}},
)
async def prometheus_metrics(engine: Engine, conn: HTTPConnection) -> Response:
    """Counters and histograms of this process, plus the outbox backlog and consumer lag right now."""
    metrics.OUTBOX_BACKLOG.set(await outbox_backlog(engine))
    lags, _ = await read_queues(conn)
    for lag in lags:
        metrics.CONSUMER_LAG.labels(lag.watch.group, lag.watch.topic).set(lag.lag)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
