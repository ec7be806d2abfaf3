"""The app factory: routers, error handlers, and the lifespan that builds the engine and queue."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db.accounts import user_for_token
from seojobs.adapters.db.engine import libpq_url, make_engine
from seojobs.adapters.db.job_reads import fold_job_counts
from seojobs.adapters.kafka.connect import connection_from
from seojobs.domain.topics import Topics
from seojobs.queue_service import QueueService
from seojobs.settings import Settings
from services.api.deps import ApiState, KafkaReady
from services.api.errors import COMMON_RESPONSES, install_error_handlers
from services.api.live.hub import LiveHub
from services.api.routes import (
    bench,
    cron,
    dashboard,
    declared,
    enqueue,
    health,
    jobs,
    live,
    metrics,
    results,
    sites,
)
from services.api.routes.dead_letters import router as dead_letters_router
from services.api.routes.health import kafka_probe
from services.api.token_cache import TokenCache

log = logging.getLogger("seojobs.api")
#: How often an API process folds the job-count deltas into job_counts, seconds.
FOLD_INTERVAL_S = 1.0
#: Shown at /docs.
API_TITLE = "seojobs API"
API_DESCRIPTION = "Queue and follow SEO background jobs (crawls, AI analyses, maintenance)."


async def fold_counts_forever(engine: AsyncEngine, interval_s: float = FOLD_INTERVAL_S) -> None:
    """Fold the job-count deltas every ``interval_s``, so stats read a few rows, never many."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await fold_job_counts(engine)
        except (OSError, SQLAlchemyError) as exc:  # the database is away: the next turn tries again
            log.warning("folding job counts failed: %s", exc)


def create_app(settings: Settings, *, kafka_ready: KafkaReady | None = None) -> FastAPI:
    """Build the API; the engine and queue are made in the lifespan and disposed after it."""
    probe = kafka_ready or kafka_probe(connection_from(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url, pool_size=settings.api_pool_size)
        queue = QueueService(
            engine,
            Topics(settings.topic_prefix),
            max_attempts=settings.job_max_attempts,
            dispatch_window=settings.dispatch_window,
            plans=settings.plans,
            one_crawl_per_site=settings.one_crawl_per_site,
        )
        tokens = TokenCache(partial(user_for_token, engine), settings.auth_cache_ttl_s)
        app.state.api = ApiState(
            settings=settings, engine=engine, queue=queue, kafka_ready=probe, tokens=tokens
        )
        app.state.live = LiveHub(engine, libpq_url(settings.database_url))
        await app.state.live.start()
        folding = asyncio.create_task(fold_counts_forever(engine))
        try:
            yield
        finally:
            folding.cancel()
            await app.state.live.stop()
            await engine.dispose()

    app = FastAPI(title=API_TITLE, description=API_DESCRIPTION, version="1.0.0", lifespan=lifespan)
    install_error_handlers(app)
    for router in (
        health.router,
        enqueue.router,
        jobs.router,
        cron.router,
        cron.process_router,
        sites.router,
        results.router,
        results.conversations,
        bench.router,
        live.router,
        dashboard.router,
        dashboard.api,
        metrics.router,
        dead_letters_router,
        declared.router,
    ):
        app.include_router(router, responses=COMMON_RESPONSES)
    return app
