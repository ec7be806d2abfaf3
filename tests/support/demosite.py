"""The bundled demo site served by the project, on a free port, for end-to-end tests."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.services import free_port

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "demo" / "site"


class DemoSite:
    """``python -m seojobs.demosite`` as a child process, with its https side."""

    def __init__(self) -> None:
        self.port = free_port()
        self.https_port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.https_origin = f"https://127.0.0.1:{self.https_port}"
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "seojobs.demosite",
                "--port",
                str(self.port),
                "--https-port",
                str(self.https_port),
                "--site",
                str(SITE),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if (
                    httpx.get(self.origin + "/robots.txt", timeout=1).status_code == 200
                    and httpx.get(self.https_origin + "/", timeout=1, verify=False).status_code == 404
                ):
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the demo site did not start")

    def stop(self) -> None:
        """Stop the server."""
        self._proc.terminate()
        self._proc.wait(timeout=10)


def answer_key(site: DemoSite, render: str = "browser") -> set[tuple[str, str]]:
    """The (rule, URL) pairs a full crawl of the demo site served by site must report, exactly."""
    key = json.loads((SITE / "answer_key.json").read_text())
    origins = {"http": site.origin, "https": site.https_origin}
    return {(f["rule"], origins[f["scheme"]] + f["path"]) for f in key["findings"] if render in f["modes"]}
