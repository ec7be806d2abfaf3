"""Fixtures of the live-update tests: the API served by uvicorn, the real projector, a producer."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import uvicorn
from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db import accounts
from seojobs.adapters.kafka.admin import ensure_topics
from seojobs.adapters.kafka.producer import make_producer
from seojobs.domain.events import STARTED_STEP, TERMINAL_STEP, EventType, JobEvent, event_seq
from seojobs.domain.jobs import JobType
from seojobs.domain.topics import EVENT_PARTITIONS, Topics, TopicSpec
from seojobs.pipeline.projector import Projector
from seojobs.queue_service import QueueService
from seojobs.settings import Settings
from services.api.app import create_app
from tests.support.services import free_port, wait_for


@dataclass(frozen=True)
class User:
    """A user and their token."""

    user_id: uuid.UUID
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header of this user."""
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class LiveStack:
    """The API's address, the queue to create jobs with, and a way to publish job events."""

    url: str
    queue: QueueService
    producer: AIOKafkaProducer
    topics: Topics
    engine: AsyncEngine

    @property
    def ws_url(self) -> str:
        """The WebSocket endpoint."""
        return self.url.replace("http://", "ws://") + "/api/ws"

    async def user(self, role: str = "user") -> User:
        """A new user with a token."""
        user_id = await accounts.create_user(self.engine, f"{uuid.uuid4().hex[:8]}@example.test", role=role)
        return User(user_id, await accounts.create_token(self.engine, user_id, "live"))

    async def job(self, owner: User) -> uuid.UUID:
        """A new PENDING job of ``owner``."""
        return (await self.queue.submit(JobType.SYNC_METRICS, {}, user_id=owner.user_id)).job_id

    async def emit(
        self, job_id: uuid.UUID, event_type: EventType, step: int, payload: dict[str, object] | None = None
    ) -> int:
        """Publish one event of the job's first attempt; its sequence number."""
        seq = event_seq(0, 1, step)
        event = JobEvent(event_type, str(job_id), JobType.SYNC_METRICS.value, 1, seq, dict(payload or {}))
        await self.producer.send_and_wait(self.topics.job_events, value=event.encode(), key=event.key)
        return seq

    async def projected(self, job_id: uuid.UUID, seq: int) -> None:
        """Wait until the projector has applied the job's events up to ``seq``."""

        async def applied() -> bool:
            async with self.engine.connect() as conn:
                last = (
                    await conn.execute(text("SELECT last_seq FROM jobs WHERE id = :id"), {"id": job_id})
                ).scalar()
            return last is not None and last >= seq

        await wait_for(applied, 15, f"the projector to apply event {seq} of job {job_id}")

    async def start(self, job_id: uuid.UUID) -> int:
        """job.started."""
        return await self.emit(job_id, EventType.STARTED, STARTED_STEP)

    async def progress(self, job_id: uuid.UUID, percent: int, step: int) -> int:
        """job.progress at ``percent`` (step 2 and up)."""
        return await self.emit(job_id, EventType.PROGRESS, step, {"progress": percent})

    async def complete(self, job_id: uuid.UUID) -> int:
        """job.completed."""
        return await self.emit(job_id, EventType.COMPLETED, TERMINAL_STEP, {"result": {"success": True}})


@pytest.fixture
async def live(settings: Settings, engine: AsyncEngine) -> AsyncIterator[LiveStack]:
    """The API on a free port, the projector consuming this test's event topic, a producer."""
    topics = Topics(settings.topic_prefix)
    await ensure_topics(
        settings.kafka_bootstrap_servers,
        [TopicSpec(topics.job_events, EVENT_PARTITIONS), TopicSpec(topics.dead_letter, 1)],
    )
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=free_port(), log_config=None, lifespan="on"
        )
    )
    serving = asyncio.create_task(server.serve())

    async def started() -> bool:
        return server.started

    await wait_for(started, 20, "the API to start")
    producer = make_producer(settings.kafka_bootstrap_servers, client_id="live-test")
    await producer.start()
    projector = Projector(
        engine,
        settings.kafka_bootstrap_servers,
        topics.job_events,
        topics.dead_letter,
        f"{settings.topic_prefix}seojobs-projector",
        batch_size=1000,
    )
    projecting = asyncio.create_task(projector.run())
    queue = QueueService(engine, topics)
    try:
        yield LiveStack(f"http://127.0.0.1:{server.config.port}", queue, producer, topics, engine)
    finally:
        projector.stop()
        await projecting
        await producer.stop()
        server.should_exit = True
        await serving
