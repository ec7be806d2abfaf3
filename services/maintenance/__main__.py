"""The maintenance service: CLEANUP_ROLLBACKS, RESET_USAGE, SYNC_METRICS, and their schedule."""

from __future__ import annotations

from seojobs.pipeline.worker_main import run_worker
from seojobs.settings import Settings
from services.maintenance.wiring import SERVICE, extend_app, make_handlers


def main() -> None:
    """Run the maintenance worker (and its scheduler) until stopped."""
    settings = Settings()
    run_worker(settings, SERVICE, make_handlers, extend_app(settings))


if __name__ == "__main__":
    main()
