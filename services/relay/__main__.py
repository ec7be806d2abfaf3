"""The outbox relay service: publishes what the API wrote to the outbox."""

from __future__ import annotations

import asyncio
import signal
import sys

from seojobs import logs
from seojobs.adapters.db.engine import libpq_url, make_engine
from seojobs.pipeline.relay import OutboxRelay
from seojobs.settings import Settings


async def run(settings: Settings, drain: bool) -> None:
    """Run the relay until SIGTERM/SIGINT (or until the outbox is empty with --drain)."""
    engine = make_engine(settings.database_url, pool_size=2)
    relay = OutboxRelay(engine, settings.kafka_bootstrap_servers, libpq_url(settings.database_url),
                        batch_size=settings.relay_batch_size,
                        poll_interval_s=settings.relay_poll_interval_s)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, relay.stop)
    try:
        await relay.run(drain=drain)
    finally:
        await engine.dispose()


def main() -> None:
    """Entry point: ``python -m services.relay [--drain]``."""
    logs.configure()
    asyncio.run(run(Settings(), "--drain" in sys.argv[1:]))


if __name__ == "__main__":
    main()
