"""A crawl's checkpoints in PostgreSQL: saved every few pages, read when the crawl starts again."""

from __future__ import annotations

import json
import logging
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.crawl.checkpoint import CrawlState, dump_state, load_state

log = logging.getLogger("seojobs.crawler")

SAVE = text("""
    INSERT INTO crawl_checkpoints (job_id, series, pages, state, updated_at)
    VALUES (:id, :series, :pages, CAST(:state AS jsonb), now())
    ON CONFLICT (job_id) DO UPDATE SET series = EXCLUDED.series, pages = EXCLUDED.pages,
                                       state = EXCLUDED.state, updated_at = now()
""")
LOAD = text("SELECT state FROM crawl_checkpoints WHERE job_id = :id AND series = :series")
DROP = text("DELETE FROM crawl_checkpoints WHERE job_id = :id")


class CheckpointStore:
    """Saves and reads the checkpoints of one job's attempt series."""

    def __init__(self, engine: AsyncEngine, job_id: uuid.UUID, series: int) -> None:
        self._single = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.job_id = job_id
        self.series = series

    async def load(self) -> CrawlState | None:
        """The last saved state of this series, if any (and if it fits this version)."""
        async with self._single.connect() as conn:
            data = (await conn.execute(LOAD, {"id": self.job_id, "series": self.series})).scalar()
        if data is None:
            return None
        state = load_state(data)
        if state is None:
            log.warning("crawl %s: its checkpoint does not fit this version; starting over", self.job_id)
        return state

    async def save(self, state: CrawlState) -> None:
        """Replace the saved state."""
        async with self._single.connect() as conn:
            await conn.execute(
                SAVE,
                {
                    "id": self.job_id,
                    "series": self.series,
                    "pages": state.pages,
                    "state": json.dumps(dump_state(state)),
                },
            )

    async def drop(self) -> None:
        """Forget the checkpoint (the crawl's results are stored)."""
        async with self._single.connect() as conn:
            await conn.execute(DROP, {"id": self.job_id})
