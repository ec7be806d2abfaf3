"""Watch a stream while brokers fail: the API keeps answering 202, completions keep coming."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.chaos.streams import Stream

#: How often the completed count is sampled, seconds.
SAMPLE_S = 0.25
#: Jobs of one bulk request while the faults go on, and the pause between requests.
TRICKLE_BATCH, TRICKLE_PAUSE_S = 50, 0.5

_COMPLETED = text("SELECT count(*) FROM jobs WHERE type = 'NOOP' AND status = 'COMPLETED'")


@dataclass
class CompletionWatch:
    """Samples the completed count; the longest time it stood still while jobs were outstanding
    (the jobs table, so the projector's pauses count as well as the workers')."""

    engine: AsyncEngine
    stream: Stream
    longest_pause_s: float = 0.0
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        """Sample until stopped; pauses count from the first completion (not the services' start)."""
        last, since = 0, time.monotonic()
        while not self._stop.is_set():
            async with self.engine.connect() as conn:
                done = int((await conn.execute(_COMPLETED)).scalar_one())
            now = time.monotonic()
            if done != last or done >= len(self.stream.ids):
                last, since = done, now
            if done:
                self.longest_pause_s = max(self.longest_pause_s, now - since)
            await asyncio.sleep(SAMPLE_S)

    def stop(self) -> None:
        """End the sampling."""
        self._stop.set()


@dataclass
class Trickle:
    """Enqueues over HTTP in small batches until stopped; every answer must be 202."""

    stream: Stream
    http: httpx.AsyncClient
    headers: dict[str, str]
    target: int
    answers: dict[int, int] = field(default_factory=dict)

    async def run(self) -> None:
        """Enqueue until ``target`` jobs were accepted."""
        while len(self.stream.ids) < self.target:
            count = min(TRICKLE_BATCH, self.target - len(self.stream.ids))
            resp = await self.http.post(
                f"{self.stream.services.api_url}/api/jobs/noop/bulk",
                json={"count": count, "tag": "chaos"},
                headers=self.headers,
            )
            self.answers[resp.status_code] = self.answers.get(resp.status_code, 0) + 1
            if resp.status_code == 202:
                self.stream.ids.update(resp.json()["jobIds"])
            await asyncio.sleep(TRICKLE_PAUSE_S)


def report(
    scenario: str, stream: Stream, kinds: dict[str, int], watch: CompletionWatch, trickle: Trickle
) -> str:
    """The figures of one scenario, printed for the closing note."""
    accepted = len(stream.ids)
    completed = kinds.get("job.completed", 0)
    line = (
        f"[cluster chaos] {scenario}: accepted {accepted}, completed {accepted} (job.completed "
        f"events {completed}, {completed - accepted} re-published), lost 0, side effects twice 0, "
        f"API answers {trickle.answers}, longest completion pause {watch.longest_pause_s:.1f}s"
    )
    print(line)
    return line
