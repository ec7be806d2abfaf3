"""What the dashboard and /metrics observe: Kafka lag (cached per process) and the outbox backlog."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import HTTPConnection

from seojobs.adapters.db import queries as q
from seojobs.adapters.kafka.admin import KafkaUnavailable
from seojobs.adapters.kafka.connect import connection_from
from seojobs.adapters.kafka.lag import LagCache, TopicLag, watches
from seojobs.domain.topics import Topics
from services.api.deps import ApiState


def lag_cache(conn: HTTPConnection) -> LagCache:
    """The process's lag cache, made on first use."""
    state = conn.app.state
    if getattr(state, "lag", None) is None:
        settings = cast(ApiState, state.api).settings
        state.lag = LagCache(
            connection_from(settings), watches(Topics(settings.topic_prefix), settings.retry_steps)
        )
    return cast(LagCache, state.lag)


async def read_queues(conn: HTTPConnection) -> tuple[list[TopicLag], bool]:
    """The lag of every watched topic, and whether Kafka answered."""
    try:
        return await lag_cache(conn).get(), True
    except (KafkaUnavailable, OSError, TimeoutError):
        return [], False


def queue_rows(lags: list[TopicLag]) -> list[dict[str, Any]]:
    """Lag readings as the dashboard shows them."""
    return [
        {
            "service": x.watch.service,
            "lane": x.watch.lane,
            "topic": x.watch.topic,
            "group": x.watch.group,
            "end": x.end,
            "committed": x.committed,
            "lag": x.lag,
        }
        for x in lags
    ]


async def outbox_backlog(engine: AsyncEngine) -> int:
    """Outbox rows the relay has not published yet."""
    async with engine.connect() as conn:
        return int((await conn.execute(q.OUTBOX_BACKLOG)).scalar() or 0)
