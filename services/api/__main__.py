"""Run the API: read Settings from the environment and serve with uvicorn (several processes
when ``SEOJOBS_API_WORKERS`` says so; each worker process builds its own app from Settings)."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from seojobs import logs
from seojobs.settings import Settings
from services.api.app import create_app


def worker_app() -> FastAPI:
    """The app of one worker process (uvicorn calls this factory in each process it starts)."""
    logs.configure()
    return create_app(Settings())


def main() -> None:
    """Serve the API on settings.api_host:api_port with settings.api_workers processes."""
    logs.configure()
    settings = Settings()
    if settings.api_workers == 1:
        uvicorn.run(create_app(settings), host=settings.api_host, port=settings.api_port, log_config=None)
        return
    uvicorn.run(
        "services.api.__main__:worker_app",
        factory=True,
        workers=settings.api_workers,
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
    )


if __name__ == "__main__":
    main()
