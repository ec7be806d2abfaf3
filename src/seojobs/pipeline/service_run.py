"""Run a process's long-lived tasks until SIGTERM/SIGINT; one failing task stops the others."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from seojobs import logs, metrics
from seojobs.settings import Settings


async def run_until_signalled(stop: Callable[[], None], *tasks: Awaitable[object]) -> None:
    """Await the tasks; SIGTERM/SIGINT (or one task failing) calls ``stop`` so all finish cleanly."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop)

    async def guarded(task: Awaitable[object]) -> None:
        try:
            await task
        except BaseException:
            stop()  # one task failing ends the process rather than leaving it half alive
            raise

    await asyncio.gather(*(guarded(t) for t in tasks))


def serve(run: Callable[[Settings, bool], Coroutine[Any, Any, None]]) -> None:
    """The entry point of a plain-aiokafka service: JSON logs, settings read once, metrics, and
    ``run(settings, drain)`` (``--drain``: stop once caught up)."""
    logs.configure()
    settings = Settings()
    metrics.serve(settings.metrics_port)
    asyncio.run(run(settings, "--drain" in sys.argv[1:]))
