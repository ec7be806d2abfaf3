"""The outbox relay service: publishes what the API wrote to the outbox."""

from __future__ import annotations

from seojobs.adapters.db.engine import libpq_url, make_engine
from seojobs.adapters.kafka.connect import connection_from
from seojobs.pipeline.dispatcher import Dispatcher
from seojobs.pipeline.lease_watch import LeaseWatch
from seojobs.pipeline.relay import OutboxRelay
from seojobs.pipeline.service_run import run_until_signalled, serve
from seojobs.settings import Settings


async def run(settings: Settings, drain: bool) -> None:
    """Run the relay until SIGTERM/SIGINT (or until the outbox is empty with --drain)."""
    engine = make_engine(settings.database_url, pool_size=2, pre_ping=False)
    topics = settings.topics
    dispatcher = Dispatcher(
        engine,
        topics,
        window=settings.dispatch_window,
        batch=settings.dispatch_batch,
        lease_watch=LeaseWatch(engine, topics, settings.lease_stale_after_s),
    )
    relay = OutboxRelay(
        engine,
        connection_from(settings),
        libpq_url(settings.database_url),
        batch_size=settings.relay_batch_size,
        poll_interval_s=settings.relay_poll_interval_s,
        dispatcher=dispatcher,
    )
    try:
        await run_until_signalled(relay.stop, relay.run(drain=drain))
    finally:
        await engine.dispose()


def main() -> None:
    """Entry point: ``python -m services.relay [--drain]``."""
    serve(run)


if __name__ == "__main__":
    main()
