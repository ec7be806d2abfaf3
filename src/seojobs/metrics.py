"""Prometheus metrics of every process, declared in one place; each call site is one line.

Workers count attempts and their outcomes, the projector counts the lifecycle events it applies
(enqueued jobs among them: every job passes the projector once), the API sets the outbox and
lag gauges when it is scraped. Each service exposes them on ``settings.metrics_port`` (0: off).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

from prometheus_client import Counter, Gauge, Histogram, start_http_server

from seojobs.domain.events import EventType, JobEvent

#: Buckets of the job duration histogram, seconds (maintenance jobs take ms, crawls minutes).
DURATION_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0)
#: Buckets of the live-update push delay, seconds (the target is 0.1 s at p99).
PUSH_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)

JOBS_ENQUEUED = Counter("seojobs_jobs_enqueued", "Jobs requested (first series), by type", ["type"])
JOBS_STARTED = Counter("seojobs_jobs_started", "Job attempts a worker started, by type", ["type"])
JOBS_COMPLETED = Counter("seojobs_jobs_completed", "Jobs completed, by type", ["type"])
JOBS_FAILED = Counter("seojobs_jobs_failed", "Jobs failed for good (no attempts left), by type", ["type"])
JOBS_RETRIED = Counter("seojobs_jobs_retried", "Failed attempts scheduled for a retry, by type", ["type"])
JOBS_CANCELLED = Counter("seojobs_jobs_cancelled", "Jobs cancelled while running, by type", ["type"])
JOBS_DEAD_LETTERED = Counter("seojobs_jobs_dead_lettered", "Jobs sent to the dead-letter topic", ["type"])
JOB_DURATION = Histogram(
    "seojobs_job_duration_seconds",
    "Wall time of one job attempt, by type and outcome",
    ["type", "outcome"],
    buckets=DURATION_BUCKETS,
)
PROJECTED_EVENTS = Counter(
    "seojobs_projector_events", "Job events the projector applied, by event", ["event"]
)
OUTBOX_BACKLOG = Gauge("seojobs_outbox_backlog", "Outbox rows waiting for the relay")
CONSUMER_LAG = Gauge(
    "seojobs_consumer_lag", "Messages not yet consumed, by consumer group and topic", ["group", "topic"]
)
CRAWL_PAGES = Counter("seojobs_crawl_pages", "Pages crawled (rate() gives pages per second)")
LLM_TOKENS = Counter(
    "seojobs_llm_tokens", "LLM tokens used by analyses, by engine and kind", ["engine", "kind"]
)
LIVE_SUBSCRIBERS = Gauge("seojobs_live_subscribers", "Open live-update streams (SSE and WebSocket)")
LIVE_PUSH_SECONDS = Histogram(
    "seojobs_live_push_seconds",
    "From the jobs NOTIFY to the snapshot queued for every subscriber",
    buckets=PUSH_BUCKETS,
)

#: Which counter each worker outcome (JobRunner.handle's answer) feeds.
_OUTCOMES: dict[str, Counter] = {
    "completed": JOBS_COMPLETED,
    "failed": JOBS_FAILED,
    "retry": JOBS_RETRIED,
    "cancelled": JOBS_CANCELLED,
}


def serve(port: int) -> None:
    """Expose this process's metrics over HTTP on ``port`` (nothing when it is 0)."""
    if port > 0:
        start_http_server(port)


def record_outcome(job_type: str, outcome: str, began: float) -> None:
    """Count one attempt's outcome and, for attempts that ran, its duration since ``began``."""
    counter = _OUTCOMES.get(outcome)
    if counter is None:
        return  # skipped, invalid or missing: no attempt ran
    counter.labels(job_type).inc()
    JOB_DURATION.labels(job_type, outcome).observe(time.monotonic() - began)


def count_events(events: Iterable[JobEvent]) -> None:
    """Count the events of a projector batch; a first-series request is an enqueued job."""
    for event in events:
        PROJECTED_EVENTS.labels(event.event_type.value).inc()
        if event.event_type is EventType.REQUESTED and event.series == 0:
            JOBS_ENQUEUED.labels(event.job_type).inc()


def count_tokens(engine: str, tokens: Mapping[str, int]) -> None:
    """Add an analysis's token tally (input, output, cache reads and writes)."""
    for kind, n in tokens.items():
        if n:
            LLM_TOKENS.labels(engine, kind).inc(n)
