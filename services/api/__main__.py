"""Run the API: read Settings from the environment once and serve with uvicorn."""

from __future__ import annotations

import uvicorn

from seojobs import logs
from seojobs.settings import Settings
from services.api.app import create_app


def main() -> None:
    """Serve the API on settings.api_host:api_port."""
    logs.configure()
    settings = Settings()
    uvicorn.run(create_app(settings), host=settings.api_host, port=settings.api_port, log_config=None)


if __name__ == "__main__":
    main()
