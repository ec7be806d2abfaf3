"""A local site with a robots.txt, a sitemap index, a urlset with lastmod dates, and pages."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROBOTS = "User-agent: *\nDisallow: /private\nCrawl-delay: 0.05\nSitemap: {base}/sitemap_index.xml\n"
INDEX = (
    '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    "<sitemap><loc>{base}/sitemap-pages.xml</loc></sitemap></sitemapindex>"
)
URLSET = (
    '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    "<url><loc>{base}/</loc><lastmod>2026-11-01</lastmod></url>"
    "<url><loc>{base}/about</loc><lastmod>2026-10-15T08:00:00+00:00</lastmod></url>"
    "<url><loc>{base}/gone</loc></url>"
    "<url><loc>{base}/private/report</loc><lastmod>2026-01-01</lastmod></url>"
    "<url><loc>https://elsewhere.example/page</loc></url></urlset>"
)
#: What a check of this site must report: (path, lastmod, status, error).
EXPECTED = [
    ("/", "2026-11-01", 200, None),
    ("/about", "2026-10-15T08:00:00+00:00", 200, None),
    ("/gone", None, 404, None),
    ("/private/report", "2026-01-01", None, "disallowed by robots.txt"),
]


class SitemapSite:
    """The site on a free port of 127.0.0.1, counting the requests of each path."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits[self.path] += 1
                status, kind, body = site.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, path: str) -> tuple[int, str, bytes]:
        """Status, content type and body of one path."""
        texts = {
            "/robots.txt": ("text/plain", ROBOTS),
            "/sitemap_index.xml": ("application/xml", INDEX),
            "/sitemap-pages.xml": ("application/xml", URLSET),
            "/": ("text/html", "<html><title>home</title></html>"),
            "/about": ("text/html", "<html><title>about</title></html>"),
        }
        if path not in texts:
            return 404, "text/plain", b"not found"
        kind, text = texts[path]
        return 200, kind, text.format(base=self.base).encode()


@contextmanager
def sitemap_site() -> Iterator[SitemapSite]:
    """Serve the site for the duration of the block."""
    site = SitemapSite()
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.server.shutdown()
        site.server.server_close()
