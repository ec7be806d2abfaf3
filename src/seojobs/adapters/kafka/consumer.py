"""Helpers for plain aiokafka consumers (the projector and the dead-letter ingester)."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer


async def caught_up(consumer: AIOKafkaConsumer) -> bool:
    """True when every assigned partition's position has reached its end offset (drain mode)."""
    assigned = consumer.assignment()
    if not assigned:
        return False
    ends = await consumer.end_offsets(list(assigned))
    for tp in assigned:
        if await consumer.position(tp) < ends[tp]:
            return False
    return True
