"""Run the demo site: python -m seojobs.demosite --port 18110 [--https-port 18111] --site demo/site."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import socket
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from starlette.applications import Starlette

from seojobs.demosite.server import create_app
from seojobs.demosite.tls import CertFiles, make_self_signed

#: The site served when --site is not given (relative to the working directory).
DEFAULT_SITE = "demo/site"
#: Seconds a stop waits for open connections (an idle TLS keep-alive would hold it for 30 s).
SHUTDOWN_GRACE_S = 1


class _Listener(uvicorn.Server):
    """A uvicorn server that leaves signals to main (two of them share one process)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Install nothing: main stops every listener on SIGINT/SIGTERM."""
        yield


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host.strip("[]"), port))
    sock.listen(128)
    return sock


def _config(app: Starlette, cert: CertFiles | None = None) -> uvicorn.Config:
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
        ssl_certfile=str(cert.cert) if cert else None,
        ssl_keyfile=str(cert.key) if cert else None,
    )
    # Loaded now: the TLS context reads the certificate files, which are deleted right after.
    config.load()
    return config


async def _serve(listeners: list[tuple[_Listener, socket.socket]]) -> None:
    loop = asyncio.get_running_loop()

    def stop() -> None:
        for server, _ in listeners:
            server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    await asyncio.gather(*(server.serve(sockets=[sock]) for server, sock in listeners))


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m seojobs.demosite", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--https-port",
        type=int,
        default=None,
        help="also serve the https side here, with a self-signed certificate "
        "made at start (0: any free port); off when not given",
    )
    parser.add_argument("--site", default=DEFAULT_SITE)
    args = parser.parse_args(argv)
    site = Path(args.site)
    if not (site / "index.html").is_file():
        parser.error(f"{site} has no index.html")
    http_sock = _bind(args.host, args.port)
    https_sock = _bind(args.host, args.https_port) if args.https_port is not None else None
    https_port = https_sock.getsockname()[1] if https_sock is not None else None
    app = create_app(site, http_port=http_sock.getsockname()[1], https_port=https_port)
    listeners = [(_Listener(_config(app)), http_sock)]
    if https_sock is not None:
        with tempfile.TemporaryDirectory(prefix="seojobs-demosite-") as tmp:
            https = _config(app, make_self_signed(Path(tmp), [args.host]))
        listeners.append((_Listener(https), https_sock))
        print(f"demo site: https on port {https_port}", file=sys.stderr, flush=True)
    asyncio.run(_serve(listeners))
    return 0


if __name__ == "__main__":
    sys.exit(main())
