"""Run the demo site: python -m seojobs.demosite --host 127.0.0.1 --port 18110 --site demo/site."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn

from seojobs.demosite.server import create_app

#: The site served when --site is not given (relative to the working directory).
DEFAULT_SITE = "demo/site"


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m seojobs.demosite", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--site", default=DEFAULT_SITE)
    args = parser.parse_args(argv)
    site = Path(args.site)
    if not (site / "index.html").is_file():
        parser.error(f"{site} has no index.html")
    uvicorn.run(create_app(site), host=args.host, port=args.port, log_level="warning",
                access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
