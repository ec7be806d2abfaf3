"""The projector service: keeps the jobs table in step with the job-event topic."""

from __future__ import annotations

import asyncio
import signal
import sys

from seojobs import logs, metrics
from seojobs.adapters.db.engine import make_engine
from seojobs.adapters.kafka.admin import ensure_topics
from seojobs.domain.topics import Topics
from seojobs.pipeline.projector import Projector
from seojobs.settings import Settings


async def run(settings: Settings, drain: bool) -> None:
    """Run the projector until SIGTERM/SIGINT (or until caught up with --drain)."""
    topics = Topics(settings.topic_prefix)
    await ensure_topics(settings.kafka_bootstrap_servers, topics.all_specs(len(settings.retry_delays_s)))
    engine = make_engine(settings.database_url, pool_size=2)
    projector = Projector(engine, settings.kafka_bootstrap_servers, topics.job_events, topics.dead_letter,
                          f"{settings.topic_prefix}seojobs-projector",
                          batch_size=settings.projector_batch_size)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, projector.stop)
    try:
        await projector.run(drain=drain)
    finally:
        await engine.dispose()


def main() -> None:
    """Entry point: ``python -m services.projector [--drain]``."""
    logs.configure()
    settings = Settings()
    metrics.serve(settings.metrics_port)
    asyncio.run(run(settings, "--drain" in sys.argv[1:]))


if __name__ == "__main__":
    main()
