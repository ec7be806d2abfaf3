"""The composition root shared by the consumer services: build, wire and run one worker."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import faust
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs import logs, metrics
from seojobs.adapters.db.engine import make_engine
from seojobs.adapters.kafka.admin import ensure_topics
from seojobs.adapters.kafka.connect import connection_from
from seojobs.adapters.kafka.producer import make_producer
from seojobs.adapters.kafka.topic_health import project_specs
from seojobs.domain.jobs import JobType, Service
from seojobs.domain.registry import KNOWN, enabled
from seojobs.pipeline import keeper
from seojobs.pipeline.declared import declared_handlers
from seojobs.pipeline.emitter import Emitter
from seojobs.pipeline.faust_app import WorkerParts, build_app, consumer_group
from seojobs.pipeline.leases import LeaseStore
from seojobs.pipeline.runner import WORKER_ID, JobRunner, RunnerConfig
from seojobs.pipeline.slots import LaneSlots
from seojobs.ports.worker import Handler
from seojobs.settings import Settings


@dataclass
class HandlerSet:
    """The handlers a service runs, and what to close when it stops."""

    handlers: dict[JobType, Handler]
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


#: Builds a service's handlers once the engine exists.
HandlerFactory = Callable[[Settings, AsyncEngine], Awaitable[HandlerSet]]


def runner_config(settings: Settings) -> RunnerConfig:
    """The runner's settings, taken from the one settings object."""
    return RunnerConfig(
        retry_delays_s=settings.retry_delays_s,
        retry_delays_by_type_s=settings.retry_delays_by_type(),
        time_limits_s={t.value: settings.time_limit_s(t.value) for t in KNOWN.types()},
        default_time_limit_s=settings.job_time_limit_default_s,
        default_max_attempts=settings.job_max_attempts,
        heartbeat_s=settings.lease_heartbeat_s,
        hold_after_s=settings.hold_after_s,
    )


#: Connections of a worker's lease statements (claim, store, release, heartbeat, take held).
LEASE_POOL_SIZE = 4


def make_parts(settings: Settings, service: Service, factory: HandlerFactory) -> WorkerParts:
    """The lazily built runner of one worker process."""
    topics = settings.topics
    closers: list[Callable[[], Awaitable[None]]] = []
    slots = LaneSlots(settings.worker_concurrency)

    async def build() -> tuple[JobRunner, Emitter]:
        engine = make_engine(settings.database_url)
        producer = make_producer(connection_from(settings), client_id="seojobs-worker")
        await producer.start()
        handler_set = await factory(settings, engine)
        declared, declared_closers = await declared_handlers(
            enabled(settings.bench_enabled), service, settings, engine, set(handler_set.handlers)
        )
        handler_set.handlers.update(declared)
        closers.extend([*handler_set.closers, *declared_closers, producer.stop, engine.dispose])
        emitter = Emitter(
            producer, topics, lambda: make_producer(connection_from(settings), client_id="seojobs-worker")
        )
        closers.append(lambda: emitter.producer.stop())
        # The lease statements have their own small pool, without pre-ping: each is one statement
        # whose caller repeats it after a connection error, so a round trip per use buys nothing
        # (the handlers' engine keeps its pre-ping).
        lease_engine = make_engine(settings.database_url, pool_size=LEASE_POOL_SIZE, pre_ping=False)
        closers.append(lease_engine.dispose)
        leases = LeaseStore(lease_engine, WORKER_ID, consumer_group(topics, service))
        runner = JobRunner(
            engine, emitter, topics, handler_set.handlers, runner_config(settings), leases=leases, slots=slots
        )
        runner.start()
        return runner, emitter

    async def close() -> None:
        for closer in closers:
            await closer()
        closers.clear()

    return WorkerParts(build, close, slots)


class JsonLogWorker(faust.Worker):
    """A Faust worker whose log lines are our JSON lines only (Faust adds a plain handler)."""

    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        """Replace whatever handlers Faust installed with the JSON one."""
        logger.handlers[:] = [logs.json_handler()]


def create_worker_app(settings: Settings, service: Service, factory: HandlerFactory) -> faust.App:
    """The Faust app of one consumer service, its topics created if missing."""
    topics = settings.topics
    steps = settings.retry_steps
    asyncio.run(ensure_topics(connection_from(settings), project_specs(topics, steps)))
    return build_app(
        service, topics, connection_from(settings), make_parts(settings, service, factory), steps
    )


def service_module(service: Service) -> list[str]:
    """The ``python -m`` module of a consumer service."""
    return [f"services.{service.value}"]


def run_worker(
    settings: Settings,
    service: Service,
    factory: HandlerFactory,
    extend: Callable[[faust.App], None] | None = None,
) -> None:
    """Run one consumer service until SIGTERM/SIGINT (Faust handles the signals and commits).

    The process is a keeper that runs the Faust worker as its child and starts it again if Faust
    gives up (see keeper.py); set SEOJOBS_WORKER_CHILD=1 to run the worker alone.
    """
    logs.configure()
    if not keeper.is_child():
        keeper.keep([sys.executable, "-m", *service_module(service), *sys.argv[1:]])
    metrics.serve(settings.metrics_port)
    app = create_worker_app(settings, service, factory)
    if extend is not None:
        extend(app)
    worker = JsonLogWorker(app, loglevel="INFO", quiet=True, redirect_stdouts=False)
    worker.execute_from_commandline()
