"""A lean HTTP/1.1 keep-alive load generator: N connections, each one request in flight.

httpx spends more CPU per request than the API under test does; on a two-core machine shared with
PostgreSQL, Kafka and the API, the load generator must cost little, so this one writes raw requests
and reads only the status line, the Content-Length and the body.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

#: A request's bytes, built per request (bodies may differ, e.g. one site per enqueue).
RequestFactory = Callable[[int], bytes]


@dataclass
class LoadResult:
    """What one run measured: successes, failures, latencies in ms, wall time in s."""

    ok: int = 0
    failed: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Successful requests a second."""
        return self.ok / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        """The p-th percentile latency, ms."""
        values = sorted(self.latencies_ms)
        return values[min(len(values) - 1, int(len(values) * p / 100))] if values else 0.0

    def line(self, name: str) -> str:
        """One printable line: rate, p50, p99, statuses."""
        return (
            f"{name}: {self.rate:,.0f} req/s, p50 {self.pct(50):.1f} ms, p99 {self.pct(99):.1f} ms "
            f"({self.ok} ok, {self.failed} failed, statuses {dict(sorted(self.statuses.items()))})"
        )


def request_bytes(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    """A raw HTTP/1.1 request with keep-alive."""
    lines = [f"{method} {path} HTTP/1.1", "Host: bench", *(f"{k}: {v}" for k, v in headers.items())]
    if body or method in ("POST", "PUT"):
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
            break
    if length:
        await reader.readexactly(length)
    return status


async def run_load(
    host: str,
    port: int,
    factory: RequestFactory,
    *,
    connections: int,
    seconds: float,
    ok_statuses: tuple[int, ...] = (200, 202),
) -> LoadResult:
    """Keep ``connections`` requests in flight for ``seconds``; successes are ``ok_statuses``."""
    result = LoadResult()
    counter = iter(range(10**12))
    deadline = time.monotonic() + seconds

    async def one_connection() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.monotonic() < deadline:
                data = factory(next(counter))
                began = time.perf_counter()
                writer.write(data)
                status = await _read_response(reader)
                result.latencies_ms.append((time.perf_counter() - began) * 1000)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if status in ok_statuses:
                    result.ok += 1
                else:
                    result.failed += 1
        finally:
            writer.close()

    start = time.monotonic()
    await asyncio.gather(*(one_connection() for _ in range(connections)))
    result.seconds = time.monotonic() - start
    return result
