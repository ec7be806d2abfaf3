"""A forward proxy that Chromium must use: every connection, redirect hop and preconnect
included, is checked by the SSRF guard and pinned to the addresses the guard approved."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from urllib.parse import urlsplit

from seojobs.crawl.ssrf import Guard, UnsafeUrl
from seojobs.crawl.tls import TlsPolicy, untrusted_message

#: The header our refusals carry, so the fetcher can tell a block from a real 403.
BLOCKED_HEADER = "X-Seojobs-Blocked"
#: Longest request head accepted from the browser.
MAX_HEAD_BYTES = 64 * 1024
#: Bytes copied per read when piping.
CHUNK_BYTES = 64 * 1024
#: Seconds allowed to open an upstream connection.
CONNECT_TIMEOUT_S = 10.0
_HOP_HEADERS = frozenset({"connection", "proxy-connection", "keep-alive", "proxy-authorization"})


class GuardProxy:
    """HTTP forward proxy on 127.0.0.1 that refuses what the guard refuses."""

    def __init__(
        self, guard: Guard, host: str = "127.0.0.1", port: int = 0, tls: TlsPolicy | None = None
    ) -> None:
        """Listen on host:port (0 picks a free port) and check with guard.

        When tls exempts any host, the browser ignores certificate errors, so the proxy verifies
        the certificate of every other host itself before it opens a CONNECT tunnel.
        """
        self._guard = guard
        self._host = host
        self._port = port
        self._tls = tls or TlsPolicy()
        self._verify = ssl.create_default_context() if self._tls.enabled else None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.blocked: dict[str, str] = {}
        self._tls_refused: dict[str, str] = {}
        self._tls_trusted: set[str] = set()

    @property
    def url(self) -> str:
        """The proxy server URL for the browser."""
        return f"http://{self._host}:{self._port}"

    async def start(self) -> None:
        """Start listening."""
        self._server = await asyncio.start_server(self._accept, self._host, self._port)
        self._port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop listening and drop open tunnels."""
        if self._server is not None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            # A task cancelled before its first step never reaches its own finally.
            for writer in list(self._writers):
                _close_quietly(writer)
            self._writers.clear()
            await self._server.wait_closed()

    def tls_refusal(self, url: str) -> str | None:
        """Why the tunnel to url's host was refused for its certificate, if it was."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        return self._tls_refused.get(_label(host, parts.port or 443))

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.ensure_future(self._serve(reader, writer))
        self._writers.add(writer)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, version = lines[0].split(" ", 2)
            if method.upper() == "CONNECT":
                host, _, port = target.rpartition(":")
                await self._tunnel(reader, writer, host, int(port or 443))
            else:
                await self._forward(reader, writer, method, target, version, lines[1:])
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, OSError):
            pass
        finally:
            _close_quietly(writer)
            self._writers.discard(writer)

    async def _open(
        self, host: str, port: int, label: str
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | str:
        try:
            addresses = await self._guard.check_host(host)
        except (UnsafeUrl, OSError) as exc:
            self.blocked[label] = str(exc)
            return str(exc)
        last = "no address"
        for address in addresses:
            try:
                async with asyncio.timeout(CONNECT_TIMEOUT_S):
                    return await asyncio.open_connection(address, port)
            except (OSError, TimeoutError) as exc:
                last = str(exc)
        return f"connect failed: {last}"

    async def _untrusted(self, host: str, port: int) -> str | None:
        """Verify host's certificate when the browser would not (None: trusted or not ours to say).

        The verdict is kept for the proxy's life (one crawl): a host is probed once, not per tunnel.
        """
        label = _label(host, port)
        if self._verify is None or self._tls.insecure(host) or label in self._tls_trusted:
            return None
        if label in self._tls_refused:
            return self._tls_refused[label]
        try:
            address = (await self._guard.check_host(host))[0]
        except (UnsafeUrl, OSError, IndexError):
            return None  # _open refuses it with the guard's reason
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_S):
                _, probe = await asyncio.open_connection(
                    address, port, ssl=self._verify, server_hostname=host
                )
            _close_quietly(probe)
        except ssl.SSLCertVerificationError as exc:
            reason = untrusted_message(host, exc.verify_message or str(exc))
            self._tls_refused[label] = reason
            return reason
        except (OSError, TimeoutError):
            return None  # not a certificate problem: the tunnel fails (or works) as usual
        self._tls_trusted.add(label)
        return None

    async def _tunnel(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, port: int
    ) -> None:
        host = host.strip("[]")
        opened = await self._untrusted(host, port) or await self._open(host, port, _label(host, port))
        if isinstance(opened, str):
            writer.write(_refusal(opened))
            await writer.drain()
            return
        up_reader, up_writer = opened
        try:
            writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            await writer.drain()
            await _pipe_both(reader, writer, up_reader, up_writer)
        finally:
            _close_quietly(up_writer)

    async def _forward(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        method: str,
        target: str,
        version: str,
        headers: list[str],
    ) -> None:
        parts = urlsplit(target)
        if parts.scheme.lower() != "http" or not parts.hostname:
            writer.write(_refusal(f"unsupported proxy target {target[:100]}"))
            return
        opened = await self._open(parts.hostname, parts.port or 80, target)
        if isinstance(opened, str):
            writer.write(_refusal(opened))
            await writer.drain()
            return
        up_reader, up_writer = opened
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        kept = [h for h in headers if h and h.split(":", 1)[0].strip().lower() not in _HOP_HEADERS]
        # One request per connection: a reused browser connection could not change host.
        request = [f"{method} {path} {version}", *kept, "Connection: close", "", ""]
        try:
            up_writer.write("\r\n".join(request).encode("latin-1"))
            await up_writer.drain()
            response_head = await up_reader.readuntil(b"\r\n\r\n")
            writer.write(_close_head(response_head))
            await _pipe_both(reader, writer, up_reader, up_writer)
        finally:
            _close_quietly(up_writer)


def _label(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _refusal(reason: str) -> bytes:
    safe = reason.replace("\r", " ").replace("\n", " ")[:200]
    return (
        f"HTTP/1.1 403 Forbidden\r\n{BLOCKED_HEADER}: {safe}\r\n"
        "Content-Length: 0\r\nConnection: close\r\n\r\n"
    ).encode("latin-1", errors="replace")


def _close_head(head: bytes) -> bytes:
    lines = head.decode("latin-1").split("\r\n")
    kept = [h for h in lines[1:] if h and h.split(":", 1)[0].strip().lower() not in _HOP_HEADERS]
    return "\r\n".join([lines[0], *kept, "Connection: close", "", ""]).encode("latin-1")


async def _copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
    try:
        while chunk := await src.read(CHUNK_BYTES):
            dst.write(chunk)
            await dst.drain()
    except (OSError, RuntimeError):
        pass
    finally:
        with contextlib.suppress(OSError, RuntimeError):
            if dst.can_write_eof():
                dst.write_eof()


async def _pipe_both(
    c_reader: asyncio.StreamReader,
    c_writer: asyncio.StreamWriter,
    u_reader: asyncio.StreamReader,
    u_writer: asyncio.StreamWriter,
) -> None:
    upstream = asyncio.ensure_future(_copy(u_reader, c_writer))
    downstream = asyncio.ensure_future(_copy(c_reader, u_writer))
    try:
        await upstream
    finally:
        upstream.cancel()
        downstream.cancel()
        await asyncio.gather(upstream, downstream, return_exceptions=True)
        _close_quietly(u_writer)


def _close_quietly(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, RuntimeError):
        writer.close()
