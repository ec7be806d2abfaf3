"""Serves a site directory; `_routes.json` there adds statuses, redirects, headers and delays.

The server may listen twice, on plain http and on https: routes marked `"https_only": true` are
served on the https side only (the http side redirects to it), and the https side serves nothing
else but the files under /assets/. Pages name the sides with `{{http_origin}}` and
`{{https_origin}}`; `{{origin}}` is the side that serves the page.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
from collections import Counter
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

#: Files whose `{{origin}}` placeholders are replaced by the serving origin.
TEMPLATED_SUFFIXES: frozenset[str] = frozenset({".html", ".xml", ".txt"})
#: The name of the behaviour file inside a site directory.
ROUTES_FILE = "_routes.json"
#: Filler byte for generated heavy bodies (wrapped in a comment, so valid JS or CSS).
FILLER = b"."


class SiteFiles:
    """Finds and renders the files of one site directory (cached in memory)."""

    def __init__(self, root: Path) -> None:
        """Serve files below root."""
        self.root = root.resolve()
        self._cache: dict[str, bytes | None] = {}

    def find(self, path: str) -> Path | None:
        """Map a URL path to a file: exact, then .html, then dir/index.html; no `_` files."""
        rel = path.strip("/")
        if any(part.startswith(("_", ".")) for part in rel.split("/") if part):
            return None
        for candidate in (rel, rel + ".html", rel + "/index.html", "index.html" if not rel else ""):
            if not candidate:
                continue
            file = (self.root / candidate).resolve()
            if file.is_file() and self.root in file.parents:
                return file
        return None

    def read(self, file: Path, origins: dict[str, str]) -> bytes:
        """Return the file body, its `{{name}}` placeholders filled from origins if it is text."""
        key = f"{file}|{sorted(origins.items())}"
        body = self._cache.get(key)
        if body is None:
            body = file.read_bytes()
            if file.suffix in TEMPLATED_SUFFIXES:
                for name, value in origins.items():
                    body = body.replace(b"{{" + name.encode() + b"}}", value.encode())
            self._cache[key] = body
        return body


def _origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"


def _origins(request: Request, http_port: int | None, https_port: int | None) -> dict[str, str]:
    """The placeholders of one request: the serving origin and each side on the same host."""
    host = request.url.hostname or "127.0.0.1"
    host = f"[{host}]" if ":" in host else host
    origins = {"origin": _origin(request)}
    if http_port is not None:
        origins["http_origin"] = f"http://{host}:{http_port}"
    if https_port is not None:
        origins["https_origin"] = f"https://{host}:{https_port}"
    return origins


def create_app(site_dir: Path, http_port: int | None = None, https_port: int | None = None) -> Starlette:
    """Build the ASGI app serving site_dir with the behaviours listed in its _routes.json.

    http_port and https_port are where the two sides listen (None: that side is not served).
    """
    files = SiteFiles(site_dir)
    routes_file = site_dir / ROUTES_FILE
    behaviours: dict[str, dict[str, Any]] = (
        json.loads(routes_file.read_text()) if routes_file.is_file() else {}
    )
    hits: Counter[str] = Counter()

    async def serve(request: Request) -> Response:
        path = request.url.path
        rule = behaviours.get(path) or behaviours.get(path.rstrip("/") or "/") or {}
        hits[path] += 1
        origins = _origins(request, http_port, https_port)
        if rule.get("https_only") and request.url.scheme != "https" and "https_origin" in origins:
            query = f"?{request.url.query}" if request.url.query else ""
            return RedirectResponse(origins["https_origin"] + path + query, status_code=301)
        # Assets are on both sides: Chromium upgrades an https page's http images to https.
        if request.url.scheme == "https" and not rule.get("https_only") and not path.startswith("/assets/"):
            rule = {"status": 404, "file": "/404.html"}
        if rule.get("delay_ms"):
            await asyncio.sleep(rule["delay_ms"] / 1000)
        if "redirect" in rule:
            target = str(rule["redirect"]).replace("{{origin}}", _origin(request))
            return RedirectResponse(target, status_code=int(rule.get("status", 302)))
        if rule.get("alternate_429") and hits[path] % 2 == 1:
            return Response("slow down", 429, {"Retry-After": str(rule.get("retry_after", 1))})
        headers = dict(rule.get("headers", {}))
        if "bytes" in rule:
            media = str(rule.get("content_type", "application/octet-stream"))
            body = b"/*" + FILLER * max(0, int(rule["bytes"]) - 4) + b"*/"
            return Response(body, 200, headers, media_type=media)
        file = files.find(str(rule.get("file", path)))
        status = int(rule.get("status", 200 if file is not None else 404))
        if file is None:
            file = files.find("/404.html")
            if file is None:
                return Response("not found", status, headers, media_type="text/plain")
        media = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if media.startswith("text/") or media.endswith("xml"):
            media += "; charset=utf-8"
        return Response(files.read(file, origins), status, headers, media_type=media)

    return Starlette(routes=[Route("/{path:path}", serve)])
