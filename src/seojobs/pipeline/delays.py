"""Delay topics: hold a retry until it is due, then put it back on its work topic.

Every message in one delay topic waits the same time, so offset order is due order and only the
head of each partition needs watching: the partition's actor sleeps until its head is due. Other
partitions have actors of their own and are never blocked by it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from pydantic import ValidationError

from seojobs.domain.contracts.event_payloads import RetryScheduledPayload
from seojobs.domain.errors import ValidationFailed
from seojobs.domain.events import EventType, JobEvent, decode_event, utcnow
from seojobs.domain.payloads import explain
from seojobs.pipeline.dead_letters import dead_letter_record
from seojobs.pipeline.emitter import Emitter
from seojobs.pipeline.runner import Origin

log = logging.getLogger("seojobs.delays")


#: The delay's own fields; the rest of the message's payload is the request it releases.
_DELAY_FIELDS = frozenset({"due_at", "target_topic", "step"})


def released(event: JobEvent) -> tuple[datetime, str, JobEvent]:
    """When a delayed retry is due, its work topic and the job.requested event it becomes
    (raises ValidationFailed when the message is not a delayed retry)."""
    try:
        body = RetryScheduledPayload.model_validate(event.payload)
        due = datetime.fromisoformat(body.due_at)
    except ValidationError as exc:
        if any(err["loc"][:1] == ("due_at",) for err in exc.errors()):
            raise ValidationFailed("delayed message lacks a valid due_at") from exc
        raise ValidationFailed(f"invalid delayed message: {explain(exc)}") from exc
    except ValueError as exc:
        raise ValidationFailed("delayed message lacks a valid due_at") from exc
    if not body.target_topic:
        raise ValidationFailed("delayed message lacks its target_topic")
    payload = {k: v for k, v in event.payload.items() if k not in _DELAY_FIELDS}
    request = JobEvent(EventType.REQUESTED, event.job_id, event.job_type, event.attempt, event.seq, payload)
    return due, body.target_topic, request


async def hold_and_release(raw: bytes | None, origin: Origin, emitter: Emitter) -> str:
    """Wait until the message is due, then publish it to its work topic."""
    try:
        event = decode_event(raw)
        due, target, request = released(event)
    except ValidationFailed as exc:
        await emitter.dead_letter(
            None, dead_letter_record(raw, str(exc), origin.topic, origin.partition, origin.offset, "delay")
        )
        return "invalid"
    wait_s = (due - utcnow()).total_seconds()
    if wait_s > 0:
        await asyncio.sleep(wait_s)
    await emitter.send(target, request)
    log.info("released retry of job %s to %s", event.job_id, target)
    return "released"
