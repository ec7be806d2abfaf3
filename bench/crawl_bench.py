"""Crawl benchmark: a generated 500-page local site, crawled in both render modes.

Prints pages/s per mode and the peak RSS of the crawler process tree (Chromium included), with
every measurement on: browser mode records the raw HTML and the rendered DOM, LCP and layout shifts
until 3 s after load, script errors and each page's resource requests. The machine's load average
is printed too: the figures mean little on a machine busy with other work.
Run: .venv/bin/python bench/crawl_bench.py [--pages 500] [--port 18130] [--proxy-port 18131]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

from seojobs.crawl.engine import Crawler, CrawlOptions, CrawlProgress
from seojobs.demosite.build import build_bench_site

#: Pages of the generated site.
DEFAULT_PAGES = 500
#: Port of the benchmark site server.
DEFAULT_PORT = 18130
#: Port of the crawler's SSRF proxy during the browser run.
DEFAULT_PROXY_PORT = 18131
#: Pages in flight per mode (fetches; in browser mode the pages being measured after load come on top).
CONCURRENCY = {"http": 16, "browser": 8}
#: Targets in pages per second.
TARGETS = {"http": 150.0, "browser": 15.0}


class RssSampler:
    """Samples the memory of this process and all its children, keeping the peaks: RSS summed (pages
    shared between Chromium's processes counted in each) and PSS summed (shared pages divided)."""

    def __init__(self, interval_s: float = 0.2) -> None:
        self.peak = 0
        self.peak_pss = 0
        self._interval = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = pss = 0
            for proc in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    info = proc.memory_full_info()
                    total += info.rss
                    pss += getattr(info, "pss", info.rss)
            self.peak = max(self.peak, total)
            self.peak_pss = max(self.peak_pss, pss)
            self._stop.wait(self._interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def start_server(site: Path, port: int) -> subprocess.Popen[bytes]:
    """Serve the site in its own process (its CPU is not the crawler's)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "seojobs.demosite", "--port", str(port), "--site", str(site)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(150):
        try:
            httpx.get(f"http://127.0.0.1:{port}/robots.txt", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("bench server did not start")


async def run(pages: int, port: int, proxy_port: int = DEFAULT_PROXY_PORT) -> int:
    """Crawl the site in both modes and print the figures; exit status 1 if a target is missed."""
    origin = f"http://127.0.0.1:{port}/"

    async def on_page(_: CrawlProgress) -> None:
        return None

    crawler = Crawler(proxy_port=proxy_port)
    await crawler.start()
    missed = 0
    print("load average before: {:.1f} {:.1f} {:.1f} ({} cores)".format(*os.getloadavg(), os.cpu_count()))
    try:
        with RssSampler() as rss:
            for mode in ("http", "browser"):
                options = CrawlOptions(
                    max_pages=pages,
                    render=mode,
                    per_host_concurrency=CONCURRENCY[mode],
                    allowed_private=("127.0.0.1/32",),
                )
                started = time.perf_counter()
                report = await crawler.crawl(origin, options, on_page)
                elapsed = time.perf_counter() - started
                rate = len(report.pages) / elapsed
                ok = rate >= TARGETS[mode]
                missed += not ok
                print(
                    f"{mode:8s} {len(report.pages)} pages in {elapsed:6.2f} s = {rate:7.1f} "
                    f"pages/s (target {TARGETS[mode]:.0f}: {'met' if ok else 'MISSED'}), "
                    f"stopped: {report.stopped_reason}, issues: {len(report.issues)}"
                )
        print("load average after: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
        print(
            f"peak memory of the crawler process tree (incl. Chromium): RSS summed "
            f"{rss.peak / 2**20:.0f} MiB, PSS summed {rss.peak_pss / 2**20:.0f} MiB"
        )
    finally:
        await crawler.close()
    return 1 if missed else 0


def main() -> int:
    """Build the site, serve it, crawl it."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=DEFAULT_PAGES)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--proxy-port",
        type=int,
        default=DEFAULT_PROXY_PORT,
        help="port of the crawler's SSRF proxy (browser mode)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="crawl-bench-") as tmp:
        site = Path(tmp)
        build_bench_site(site, args.pages)
        server = start_server(site, args.port)
        try:
            return asyncio.run(run(args.pages, args.port, args.proxy_port))
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
