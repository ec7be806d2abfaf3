"""The admin dashboard: its page and static assets, and the admin-only figures it draws."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import FileResponse
from starlette.requests import HTTPConnection

from seojobs.adapters.db import insights
from seojobs.adapters.kafka.admin import KafkaUnavailable
from seojobs.adapters.kafka.connect import connection_from
from seojobs.adapters.kafka.timeline import job_timeline
from seojobs.domain.seo.catalogue import RULES
from seojobs.domain.seo.categories import CATEGORIES, category_of
from seojobs.domain.topics import Topics
from services.api.deps import Admin, Engine, Queue, SettingsDep
from services.api.observe import outbox_backlog, queue_rows, read_queues
from services.api.routes.live import get_hub

#: Where the page's files live (shipped inside the package).
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
#: The files the page may load; nothing else under /dashboard/static is served.
STATIC_FILES = {
    "dashboard.css": "text/css",
    "dashboard.js": "text/javascript",
    "charts.js": "text/javascript",
    "views.js": "text/javascript",
    "favicon.svg": "image/svg+xml",
}
#: Everything the page loads comes from this server (no CDN, no inline script).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
_HEADERS = {"Content-Security-Policy": CSP, "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}

router = APIRouter(tags=["dashboard"])
api = APIRouter(prefix="/api/dashboard", tags=["dashboard"])


@router.get("/dashboard", include_in_schema=False)
async def dashboard_page() -> FileResponse:
    """The dashboard's single page (it asks for an admin token and keeps it in sessionStorage)."""
    return FileResponse(STATIC_DIR / "dashboard.html", media_type="text/html", headers=_HEADERS)


@router.get("/dashboard/static/{name}", include_in_schema=False)
async def dashboard_asset(name: str) -> FileResponse:
    """One of the page's own scripts, styles or icons."""
    if name not in STATIC_FILES:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no dashboard file {name!r}")
    return FileResponse(STATIC_DIR / name, media_type=STATIC_FILES[name], headers=_HEADERS)


@api.get("/overview")
async def overview(admin: Admin, engine: Engine, queue: Queue, conn: HTTPConnection) -> dict[str, Any]:
    """Queue depth and consumer lag per service and lane, open jobs per type, counts, outbox backlog."""
    lags, kafka_ok = await read_queues(conn)
    return {
        "success": True,
        "kafka": "ok" if kafka_ok else "unavailable",
        "queues": queue_rows(lags),
        "openJobs": await insights.open_jobs(engine),
        "stats": await queue.get_job_stats(None),
        "outboxBacklog": await outbox_backlog(engine),
        "liveSubscribers": get_hub(conn).subscribers,
    }


@api.get("/throughput")
async def throughput(
    admin: Admin,
    engine: Engine,
    buckets: Annotated[int, Query(ge=1, le=240)] = insights.DEFAULT_BUCKETS,
    bucket_seconds: Annotated[int, Query(alias="bucketSeconds", ge=5, le=86400)] = insights.DEFAULT_BUCKET_S,
) -> dict[str, Any]:
    """Jobs completed and failed per time bucket, oldest first."""
    return {
        "success": True,
        "bucketSeconds": bucket_seconds,
        "series": await insights.throughput(engine, buckets, bucket_seconds),
    }


@api.get("/failures")
async def failures(
    admin: Admin, engine: Engine, limit: Annotated[int, Query(ge=1, le=100)] = 10
) -> dict[str, Any]:
    """The newest failed jobs."""
    return {"success": True, "failures": await insights.recent_failures(engine, limit)}


@api.get("/sites")
async def sites(admin: Admin, engine: Engine) -> dict[str, Any]:
    """Every site with its latest crawl's issues by severity and its recommendation count."""
    return {"success": True, "sites": await insights.sites(engine)}


@api.get("/rules")
async def rules(admin: Admin) -> dict[str, Any]:
    """The rule catalogue: the issue categories in display order, and each rule's category."""
    return {
        "success": True,
        "categories": [{"id": cid, "label": label} for cid, label in CATEGORIES],
        "rules": {
            rule: {"severity": severity, "category": category_of(rule), "description": description}
            for rule, (severity, description) in RULES.items()
        },
    }


@api.get("/jobs/{job_id}/timeline")
async def timeline(job_id: uuid.UUID, admin: Admin, queue: Queue, settings: SettingsDep) -> dict[str, Any]:
    """One job with its events, read back from the job-event topic."""
    job = await queue.get_job(job_id)
    created = job["createdAt"]
    try:
        found = await job_timeline(
            connection_from(settings),
            Topics(settings.topic_prefix).job_events,
            str(job_id),
            datetime.fromisoformat(created),
        )
    except KafkaUnavailable as exc:
        return {"success": True, "job": job, "events": [], "truncated": True, "error": exc.message}
    return {"success": True, "job": job, "events": found.events, "truncated": found.truncated}
