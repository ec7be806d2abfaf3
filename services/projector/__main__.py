"""The projector service: keeps the jobs table in step with the job-event topic."""

from __future__ import annotations

from seojobs.adapters.db.engine import make_engine
from seojobs.adapters.kafka.admin import ensure_topics
from seojobs.adapters.kafka.connect import connection_from
from seojobs.domain.topics import Topics
from seojobs.pipeline.dead_letter_store import DeadLetterIngester, group_id
from seojobs.pipeline.projector import Projector
from seojobs.pipeline.service_run import run_until_signalled, serve
from seojobs.settings import Settings


async def run(settings: Settings, drain: bool) -> None:
    """Run the projector until SIGTERM/SIGINT (or until caught up with --drain)."""
    topics = Topics(settings.topic_prefix)
    kafka = connection_from(settings)
    await ensure_topics(kafka, settings.topics.all_specs(settings.retry_steps))
    engine = make_engine(settings.database_url, pool_size=2, pre_ping=False)
    projector = Projector(
        engine,
        kafka,
        topics.job_events,
        topics.dead_letter,
        f"{settings.topic_prefix}seojobs-projector",
        batch_size=settings.projector_batch_size,
    )
    # The dead-letter ingester runs beside the projector, in its own consumer group.
    ingester = DeadLetterIngester(engine, kafka, topics.dead_letter, group_id(settings.topic_prefix))

    def stop_all() -> None:
        projector.stop()
        ingester.stop()

    try:
        await run_until_signalled(stop_all, projector.run(drain=drain), ingester.run(drain=drain))
    finally:
        await engine.dispose()


def main() -> None:
    """Entry point: ``python -m services.projector [--drain]``."""
    serve(run)


if __name__ == "__main__":
    main()
