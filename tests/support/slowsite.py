"""Polite local sites for long-job tests: N linked pages, a robots.txt Crawl-delay, fetches counted.

Each site is a threaded HTTP server on a free port of 127.0.0.1, in the test's own process, so a
test can say how often each page was fetched (a repeated fetch is work done twice).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _page(n: int, pages: int) -> bytes:
    links = " ".join(
        f'<a href="/p{i}">Page number {i} of the site</a>' for i in range(n + 1, min(n + 4, pages))
    )
    words = " ".join(f"word{n}x{i}" for i in range(120))
    title = f"Page {n} of a slow local test site for long crawls"
    return (
        f"<!doctype html><html lang=en><head><title>{title}</title>"
        f'<meta name="description" content="{title}, with enough words to be a real page here.">'
        f'<meta name="viewport" content="width=device-width"></head><body><h1>Page {n}</h1>'
        f"<p>{words}</p>{links}</body></html>"
    ).encode()


class SlowSite:
    """A site of ``pages`` pages (page k links to the next three) asking for ``delay_s`` between fetches."""

    def __init__(self, pages: int, delay_s: float) -> None:
        self.pages = pages
        self.delay_s = delay_s
        self.fetches: Counter[str] = Counter()
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                body, status, kind = site.answer(path)
                with site._lock:
                    site.fetches[path] += 1
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def answer(self, path: str) -> tuple[bytes, int, str]:
        """The body, status and content type of one path."""
        if path == "/robots.txt":
            return f"User-agent: *\nCrawl-delay: {self.delay_s:g}\n".encode(), 200, "text/plain"
        if path == "/":
            return _page(0, self.pages), 200, "text/html"
        if path.startswith("/p") and path[2:].isdigit() and 0 < int(path[2:]) < self.pages:
            return _page(int(path[2:]), self.pages), 200, "text/html"
        return b"not found", 404, "text/plain"

    def page_fetches(self) -> Counter[str]:
        """How often each page (not robots.txt nor the sitemap) was fetched."""
        with self._lock:
            return Counter({p: n for p, n in self.fetches.items() if p == "/" or p.startswith("/p")})

    def repeated(self) -> int:
        """Fetches beyond the first of each page."""
        return sum(n - 1 for n in self.page_fetches().values())

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def slow_sites(*specs: tuple[int, float]) -> Iterator[list[SlowSite]]:
    """Sites of (pages, Crawl-delay seconds), stopped afterwards."""
    sites = [SlowSite(pages, delay) for pages, delay in specs]
    try:
        yield sites
    finally:
        for site in sites:
            site.stop()
