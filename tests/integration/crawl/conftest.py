"""Fixtures of the crawl integration tests: the demo server, scenario sites, a trap server."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path

import httpx
import pytest

from seojobs.crawl.engine import Crawler
from tests.support.services import free_port

REPO = Path(__file__).resolve().parents[3]
DEMO_SITE = REPO / "demo" / "site"
#: Ports of this suite: free ones, as several checkouts may run the suite on one machine at once.
DEMO_PORT = free_port()
TRAP_HOST, TRAP_PORT = "127.0.0.2", free_port()
SCENARIO_PORT = free_port()
#: The https sides (self-signed certificates) of the demo and scenario servers.
DEMO_HTTPS_PORT = free_port()
SCENARIO_HTTPS_PORT = free_port()
#: The server that records when each request arrived.
RECORDER_PORT = free_port()
PROXY_PORT = free_port()
#: Only the demo's own address is let through the SSRF guard; 127.0.0.2 stays forbidden.
ALLOWED = ("127.0.0.1/32",)
#: The demo's self-signed certificate is accepted for its own address only.
TLS_INSECURE = ("127.0.0.1/32",)


class Server:
    """A demo-site server process and its origins (http, and https when https_port is given)."""

    def __init__(self, site: Path, port: int, https_port: int | None = None) -> None:
        self.origin = f"http://127.0.0.1:{port}"
        self.https_origin = f"https://127.0.0.1:{https_port}" if https_port is not None else None
        https = ["--https-port", str(https_port)] if https_port is not None else []
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "seojobs.demosite",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                *https,
                "--site",
                str(site),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                httpx.get(self.origin + "/robots.txt", timeout=1)
                if self.https_origin is not None:
                    httpx.get(self.https_origin + "/", timeout=1, verify=False)
                return
            except httpx.HTTPError:
                if self._proc.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"demo server on {port} did not start")

    def stop(self) -> None:
        self._proc.terminate()
        self._proc.wait(timeout=10)


class Trap:
    """An HTTP server on a forbidden address that records every request reaching it."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                body = b"<html><body>internal secret</body></html>"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer((TRAP_HOST, TRAP_PORT), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.origin = f"http://{TRAP_HOST}:{TRAP_PORT}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Recorder:
    """An HTTP server serving fixed files that records when each request arrived."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self.arrivals: list[tuple[str, float]] = []
        arrivals = self.arrivals

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                arrivals.append((self.path, time.monotonic()))
                text = files.get(self.path)
                body = (text or "not found").encode()
                self.send_response(200 if text is not None else 404)
                kind = "text/plain" if self.path.endswith(".txt") else "text/html"
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", RECORDER_PORT), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.origin = f"http://127.0.0.1:{RECORDER_PORT}"

    def times(self, path: str) -> list[float]:
        """When requests for path arrived (time.monotonic())."""
        return [t for p, t in self.arrivals if p == path]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def recorder() -> Iterator[Callable[[Mapping[str, str]], Recorder]]:
    """Serve files from a recording server (one per test, on RECORDER_PORT)."""
    started: list[Recorder] = []

    def serve(files: Mapping[str, str]) -> Recorder:
        started.append(Recorder(files))
        return started[-1]

    yield serve
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def demo_server() -> Iterator[Server]:
    """The demo site on 127.0.0.1:DEMO_PORT, its https side on DEMO_HTTPS_PORT."""
    server = Server(DEMO_SITE, DEMO_PORT, DEMO_HTTPS_PORT)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def answer_key() -> dict[str, object]:
    """The demo site's answer key."""
    loaded: dict[str, object] = json.loads((DEMO_SITE / "answer_key.json").read_text())
    return loaded


@pytest.fixture(scope="session")
def trap() -> Iterator[Trap]:
    """The forbidden server; tests assert it was never reached."""
    server = Trap()
    yield server
    server.stop()


@pytest.fixture
def scenario(tmp_path: Path) -> Iterator[ScenarioFactory]:
    """Serve a small site written by the test (one per test, on SCENARIO_PORT)."""
    factory = ScenarioFactory(tmp_path)
    yield factory
    factory.stop()


class ScenarioFactory:
    """Writes a site directory from a dict of files and serves it."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._server: Server | None = None

    def serve(
        self, files: dict[str, str], routes: Mapping[str, object] | None = None, https: bool = False
    ) -> str:
        """Serve files (and an https side on SCENARIO_HTTPS_PORT when https); return the origin."""
        for name, text in files.items():
            path = self._root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        (self._root / "_routes.json").write_text(json.dumps(routes or {}))
        self._server = Server(self._root, SCENARIO_PORT, SCENARIO_HTTPS_PORT if https else None)
        return self._server.origin

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()


@pytest.fixture(scope="session")
async def crawler() -> AsyncIterator[Crawler]:
    """One Crawler (one Chromium) for the whole session, as in a worker process."""
    instance = Crawler(proxy_port=PROXY_PORT)
    await instance.start()
    yield instance
    await instance.close()
