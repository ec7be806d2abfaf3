"""The record a message becomes on the dead-letter topic (version 1)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from seojobs.domain.contracts.fields import DateTimeStr

#: The components that dead-letter a message (the dispatcher: a lease's request it cannot rebuild).
Component = Literal["worker", "delay", "projector", "dispatcher"]


class MessageSource(BaseModel):
    """Where the dead-lettered message was read."""

    model_config = ConfigDict(extra="allow", frozen=True)

    topic: str
    partition: int
    offset: int


class DeadLetterRecord(BaseModel):
    """A record on the dead-letter topic: the original, the cause, the origin."""

    model_config = ConfigDict(extra="allow", frozen=True)

    reason: str
    error_type: str
    stack: str | None = None
    source: MessageSource
    component: Component
    dead_lettered_at: DateTimeStr
    attempts: list[dict[str, Any]]
    original: Any = Field(None, description="The original message as JSON, when it was JSON.")
    original_base64: str | None = Field(None, description="The original bytes, when they were not JSON.")
