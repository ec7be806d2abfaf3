"""Dependencies of the routes, as Annotated aliases."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, cast

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db.accounts import Principal
from seojobs.queue_service import QueueService
from seojobs.settings import Settings
from services.api.auth import authenticate, bearer_scheme, check_cron_secret, require_admin
from services.api.token_cache import TokenCache

#: A probe that answers whether Kafka can be reached.
KafkaReady = Callable[[], Awaitable[bool]]


@dataclass(frozen=True)
class ApiState:
    """The composition root's products: settings, engine, queue, token cache and the Kafka probe."""

    settings: Settings
    engine: AsyncEngine
    queue: QueueService
    kafka_ready: KafkaReady
    tokens: TokenCache


async def get_state(request: Request) -> ApiState:
    """The state the lifespan built."""
    return cast(ApiState, request.app.state.api)


State = Annotated[ApiState, Depends(get_state)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


async def get_settings(state: State) -> Settings:
    """The process's settings."""
    return state.settings


async def get_engine(state: State) -> AsyncEngine:
    """The process's database engine."""
    return state.engine


async def get_queue(state: State) -> QueueService:
    """The queue service."""
    return state.queue


SettingsDep = Annotated[Settings, Depends(get_settings)]
Engine = Annotated[AsyncEngine, Depends(get_engine)]
Queue = Annotated[QueueService, Depends(get_queue)]


async def get_user(state: State, creds: Credentials) -> Principal:
    """The authenticated user (401 otherwise)."""
    return await authenticate(state.tokens, creds)


CurrentUser = Annotated[Principal, Depends(get_user)]


async def get_admin(user: CurrentUser) -> Principal:
    """The authenticated admin (403 for other users)."""
    return require_admin(user)


Admin = Annotated[Principal, Depends(get_admin)]


async def cron_caller(settings: SettingsDep, creds: Credentials) -> None:
    """Pass only calls that carry the cron secret."""
    check_cron_secret(settings, creds)


CronAuth = Depends(cron_caller)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Retrying with the same key within 24 hours returns the first job (200)",
    ),
]


def owner_scope(user: Principal) -> uuid.UUID | None:
    """Whose records a caller sees: admins everything (None), users their own id."""
    return None if user.is_admin else user.user_id
