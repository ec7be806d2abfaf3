"""The worker runtime on faust-streaming: the consumer admits messages, a job pool runs the jobs.

Facts this design follows: agent concurrency above 1 commits past messages still in progress
(faust-streaming #606), so every agent uses isolated_partitions (one actor per partition,
concurrency 1); pause_partitions inside an agent loses records, so it is never called. A lane
agent only admits a message (lease its job, start it or hold it: a few milliseconds, see
runner.py) and moves on, so its offset is committed once the job is durably leased; the job runs
in the process's job pool, which a rebalance neither waits for nor stops. Delay agents hold the
head of their partition until it is due and put it back on its work topic.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

import faust

from seojobs.adapters.kafka.admin import KafkaUnavailable
from seojobs.adapters.kafka.connect import KafkaTarget, faust_kwargs
from seojobs.adapters.kafka.lag import GroupLagReader
from seojobs.domain.jobs import Service
from seojobs.domain.lanes import LANES_BY_PREFERENCE
from seojobs.domain.topics import Topics
from seojobs.pipeline.delays import hold_and_release
from seojobs.pipeline.emitter import Emitter
from seojobs.pipeline.faust_transport import use_short_fetch_wait
from seojobs.pipeline.outages import Backoff
from seojobs.pipeline.runner import INFRA_ERRORS, JobRunner
from seojobs.pipeline.runs import Origin
from seojobs.pipeline.slots import LaneSlots
from seojobs.pipeline.stall_watch import CHECK_EVERY_S, TP, ActivityBoard, StallDetector

log = logging.getLogger("seojobs.worker")

#: A silent worker loses its partitions after this many seconds (then they are redelivered).
SESSION_TIMEOUT_S = 10.0
#: How often a worker tells the group coordinator it is alive, seconds.
HEARTBEAT_S = 2.0
#: Exit code of a worker that found its consumer stuck (its keeper starts it again).
STALLED_EXIT_CODE = 75


class WorkerParts:
    """What a running worker needs, built once on first use (engine, producer, handlers)."""

    def __init__(
        self,
        build: Callable[[], Awaitable[tuple[JobRunner, Emitter]]],
        close: Callable[[], Awaitable[None]],
        slots: LaneSlots,
    ) -> None:
        self._build = build
        self._close = close
        self._lock = asyncio.Lock()
        self._parts: tuple[JobRunner, Emitter] | None = None
        self.slots = slots
        self._tasks: set[asyncio.Future[str]] = set()
        self.board = ActivityBoard()

    async def get(self) -> tuple[JobRunner, Emitter]:
        """The runner and emitter, built on first call."""
        async with self._lock:
            if self._parts is None:
                self._parts = await self._build()
            return self._parts

    def keep(self, work: Coroutine[Any, Any, str]) -> asyncio.Future[str]:
        """Run ``work`` as a task of its own, referenced until it ends."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def build_soon(self) -> None:
        """Build now, trying again while the database or Kafka is not there yet."""
        backoff = Backoff()
        while True:
            try:
                await self.get()
                return
            except INFRA_ERRORS as exc:
                log.warning("could not build the runner yet, will retry: %s", exc)
                await backoff.sleep()

    async def close(self) -> None:
        """Stop the running jobs (their leases are handed back), then release what was built."""
        if self._parts is not None:
            await self._parts[0].stop()
            await self._close()
            self._parts = None


def consumer_group(topics: Topics, service: Service) -> str:
    """The consumer group of a service's workers (also the name its leases are kept under)."""
    return f"{topics.prefix}seojobs-{service.value}"


def exit_for_restart(stalled: list[TP]) -> None:
    """Leave at once: a new process resumes from the committed offsets (the keeper starts it)."""
    log.error(
        "consumer stuck on %s: exiting so that a fresh worker resumes from the committed offsets",
        ", ".join(f"{t}[{p}]" for t, p in stalled),
    )
    logging.shutdown()
    os._exit(STALLED_EXIT_CODE)


def build_app(
    service: Service,
    topics: Topics,
    bootstrap: KafkaTarget,
    parts: WorkerParts,
    retry_steps: int,
    on_stall: Callable[[list[TP]], None] = exit_for_restart,
) -> faust.App:
    """A Faust app with one agent per lane topic and one per delay topic of the service."""
    use_short_fetch_wait()
    group = consumer_group(topics, service)
    app = faust.App(
        group,
        **faust_kwargs(bootstrap),  # broker URL, credentials, replication factor
        store="memory://",
        web_enabled=False,
        autodiscover=False,
        topic_allow_declare=False,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        broker_commit_every=100,
        broker_commit_interval=0.5,
        # A rebalance must not wait for messages still in progress: a delay agent holds its head
        # message until it is due (minutes), and a lane agent's message is leased within
        # milliseconds anyway. What is not acked is not committed, and is admitted again (and
        # skipped by its lease) or released again (a duplicate release is skipped the same way).
        stream_wait_empty=False,
        # A killed worker's partitions move to the others after this long.
        broker_session_timeout=SESSION_TIMEOUT_S,
        broker_heartbeat_interval=HEARTBEAT_S,
    )

    def lane_agent(topic_name: str, rank: int) -> None:
        channel = app.topic(topic_name, key_serializer="raw", value_serializer="raw")

        async def run(stream: Any) -> None:
            # One message at a time per partition (isolated_partitions); Faust acks it when the
            # next one is asked for, which is as soon as its job is leased: the job itself runs in
            # the job pool, outside this actor. A revoked partition's actor is cancelled: it ends
            # quietly (see _quietly) and the admission under way finishes (shielded), so that a
            # lease it took always has its run or its hold.
            async for event in _quietly(stream.events()):
                if not await _admit_one(parts, event, rank):
                    return

        app.agent(channel, name=f"lane-{topic_name}", isolated_partitions=True)(run)

    def delay_agent(topic_name: str) -> None:
        channel = app.topic(topic_name, key_serializer="raw", value_serializer="raw")

        async def run(stream: Any) -> None:
            async for event in _quietly(stream.events()):
                if not await _release_one(parts, event):
                    return

        app.agent(channel, name=f"delay-{topic_name}", isolated_partitions=True)(run)

    for rank, lane in enumerate(LANES_BY_PREFERENCE):
        lane_agent(topics.requested(service, lane), rank)
    for topic in topics.retry_topics(service, retry_steps):
        delay_agent(topic)

    lag_reader = GroupLagReader(bootstrap, group)
    _watch_for_stalls(app, StallDetector(parts.board), lag_reader, on_stall)

    # Built before the first message: a worker with no partition of its own still takes held jobs.
    app.task(parts.build_soon)

    async def on_shutdown(*args: Any, **kwargs: Any) -> None:
        await lag_reader.close()
        await parts.close()

    app.on_before_shutdown.connect(on_shutdown)
    return app


def _watch_for_stalls(
    app: faust.App, detector: StallDetector, lag_reader: GroupLagReader, on_stall: Callable[[list[TP]], None]
) -> None:
    """Every few seconds, judge the assigned partitions' lag against the agents' activity."""

    async def watch_for_stall() -> None:
        assigned = [(tp.topic, tp.partition) for tp in app.consumer.assignment()]
        if not assigned:
            detector.forget()
            return
        try:
            lag = await lag_reader.read(assigned)
        except KafkaUnavailable:
            detector.forget()  # nothing can be judged while the broker is away
            return
        stalled = detector.observe(assigned, lag)
        if stalled:
            on_stall(stalled)

    app.timer(CHECK_EVERY_S, on_leader=False)(watch_for_stall)


async def _quietly(events: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """The stream's events, ending (instead of raising) when the actor is cancelled: Faust counts an
    actor that raises CancelledError on a rebalance as crashed and restarts it, and a burst of such
    restarts (one per revoked partition) makes its supervisor give up and stop the whole worker,
    with every job it runs."""
    iterator = aiter(events)
    while True:
        try:
            event = await anext(iterator)
        except (asyncio.CancelledError, StopAsyncIteration):
            return
        yield event


async def _admit_one(parts: WorkerParts, event: Any, rank: int) -> bool:
    """Admit one message; the admission goes on even if the actor is cancelled meanwhile (False)."""
    msg = event.message
    tp = (msg.topic, msg.partition)
    parts.board.begin(tp)
    try:
        runner, _ = await parts.get()
        admission = parts.keep(
            runner.admit_retrying(event.value, Origin(msg.topic, msg.partition, msg.offset), rank)
        )
        await asyncio.shield(admission)
    except asyncio.CancelledError:
        return False
    finally:
        parts.board.end(tp)
    return True


async def _release_one(parts: WorkerParts, event: Any) -> bool:
    """Hold a delayed retry until due and release it; False when the actor was cancelled while it
    waited (the message is not acked, so the partition's next owner holds it again)."""
    msg = event.message
    parts.board.begin((msg.topic, msg.partition))
    try:
        _, emitter = await parts.get()
        await _release_retrying(event.value, Origin(msg.topic, msg.partition, msg.offset), emitter)
    except asyncio.CancelledError:
        return False
    finally:
        parts.board.end((msg.topic, msg.partition))
    return True


async def _release_retrying(raw: bytes | None, origin: Origin, emitter: Emitter) -> None:
    """hold_and_release(), repeated while Kafka is away (never give a message up: see
    JobRunner.handle_batch_retrying)."""
    backoff = Backoff()
    while True:
        generation = emitter.generation
        try:
            await hold_and_release(raw, origin, emitter)
            return
        except INFRA_ERRORS as exc:
            log.warning(
                "Kafka unavailable releasing %s[%d]@%d, will retry: %s",
                origin.topic,
                origin.partition,
                origin.offset,
                exc,
            )
            await backoff.sleep()
            with contextlib.suppress(*INFRA_ERRORS):
                await emitter.restart(generation)
