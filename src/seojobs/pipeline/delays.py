"""Delay topics: hold a retry until it is due, then put it back on its work topic.

Every message in one delay topic waits the same time, so offset order is due order and only the
head of each partition needs watching: the partition's actor sleeps until its head is due. Other
partitions have actors of their own and are never blocked by it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from seojobs.domain.errors import ValidationFailed
from seojobs.domain.events import EventType, JobEvent, decode_event, utcnow
from seojobs.pipeline.dead_letters import dead_letter_record
from seojobs.pipeline.emitter import Emitter
from seojobs.pipeline.runner import Origin

log = logging.getLogger("seojobs.delays")


def due_of(event: JobEvent) -> datetime:
    """When a delayed retry is due (raises ValidationFailed when the message lacks it)."""
    try:
        return datetime.fromisoformat(str(event.payload["due_at"]))
    except (KeyError, ValueError) as exc:
        raise ValidationFailed("delayed message lacks a valid due_at") from exc


def released(event: JobEvent) -> tuple[str, JobEvent]:
    """The work topic and the job.requested event a due retry becomes."""
    payload = {k: v for k, v in event.payload.items() if k not in ("due_at", "target_topic", "step")}
    target = event.payload.get("target_topic")
    if not isinstance(target, str) or not target:
        raise ValidationFailed("delayed message lacks its target_topic")
    return target, JobEvent(EventType.REQUESTED, event.job_id, event.job_type, event.attempt, event.seq,
                            payload)


async def hold_and_release(raw: bytes | None, origin: Origin, emitter: Emitter) -> str:
    """Wait until the message is due, then publish it to its work topic."""
    try:
        event = decode_event(raw)
        due = due_of(event)
        target, request = released(event)
    except ValidationFailed as exc:
        await emitter.dead_letter(None, dead_letter_record(
            raw, str(exc), origin.topic, origin.partition, origin.offset, "delay"))
        return "invalid"
    wait_s = (due - utcnow()).total_seconds()
    if wait_s > 0:
        await asyncio.sleep(wait_s)
    await emitter.send(target, request)
    log.info("released retry of job %s to %s", event.job_id, target)
    return "released"
