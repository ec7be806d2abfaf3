"""Live job updates: Server-Sent Events for one job, a WebSocket for all of a caller's jobs.

Both push the job's row (the shape of GET /api/jobs/{id}/status) each time the projector commits
a change to it. Ownership is the REST endpoints': a user sees their own jobs, an admin every job.
The SSE event id is the job's last_seq (resume with Last-Event-ID); a WebSocket client resumes
with ``since`` (the last message's cursor) and drops messages whose seq it already has.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any, cast

from fastapi import APIRouter, Header, WebSocket, WebSocketDisconnect
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import HTTPConnection

from seojobs.adapters.db.accounts import Principal
from seojobs.domain.jobs import JobStatus, is_terminal
from services.api.deps import CurrentUser, Queue, owner_scope
from services.api.live.hub import RESYNC_SLACK, LiveHub
from services.api.live.subscribers import Snapshot, Subscriber

router = APIRouter(tags=["live"])

#: Seconds between SSE keep-alive comments.
PING_S = 15
#: How long a WebSocket client has to send its token when the URL carries none, seconds.
AUTH_WAIT_S = 5.0
#: WebSocket close codes: no or a bad token, and a malformed first message.
CLOSE_UNAUTHORIZED, CLOSE_BAD_REQUEST = 4401, 4400
#: Most job ids one WebSocket may follow by id.
MAX_FOLLOWED = 500


def get_hub(conn: HTTPConnection) -> LiveHub:
    """The process's live hub (built by the lifespan)."""
    return cast(LiveHub, conn.app.state.live)


def _seq(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _terminal(snap: Snapshot) -> bool:
    return is_terminal(JobStatus(snap.job["status"]))


async def _job_stream(
    hub: LiveHub, user_id: uuid.UUID | None, job_id: uuid.UUID, after: int | None
) -> AsyncIterator[ServerSentEvent]:
    """The events of one job until it ends: its current row (if newer than ``after``), then changes."""
    sub = hub.subscribe(user_id, [job_id])  # before reading the row, so no change falls in between
    try:
        if after is not None:
            sub.mark_seen(job_id, after)
        current = await hub.snapshots([job_id])
        if current and not sub.offer(current[0]) and _terminal(current[0]):
            yield ServerSentEvent(data=json.dumps({"jobId": str(job_id)}), event="end")
            return
        while True:
            for snap in await sub.next():
                yield ServerSentEvent(data=snap.job_text, event="job", id=snap.event_id)
                if _terminal(snap):
                    yield ServerSentEvent(data=json.dumps({"jobId": str(job_id)}), event="end")
                    return
    finally:
        hub.unsubscribe(sub)


@router.get(
    "/api/jobs/{job_id}/events",
    response_class=EventSourceResponse,
    responses={404: {"description": "No such job, or another user's"}},
)
async def job_events(
    job_id: uuid.UUID,
    user: CurrentUser,
    queue: Queue,
    conn: HTTPConnection,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> EventSourceResponse:
    """Server-Sent Events of one job: ``job`` (id = last_seq) on every change, ``end`` when it ends."""
    await queue.get_job(job_id, owner_scope(user))  # 404 exactly as GET /status
    stream = _job_stream(get_hub(conn), owner_scope(user), job_id, _seq(last_event_id))
    return EventSourceResponse(stream, ping=PING_S)


def _job_ids(value: Any) -> frozenset[uuid.UUID] | None:
    """Job ids from a list or a comma-separated string (None: follow every visible job)."""
    if value is None or value == "":
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    if len(items) > MAX_FOLLOWED:
        raise ValueError(f"at most {MAX_FOLLOWED} job ids may be followed")
    return frozenset(uuid.UUID(str(i).strip()) for i in items)


def _since(value: Any) -> datetime | None:
    """The resume point of a cursor (microseconds since the epoch), a little early to be safe."""
    if value is None or value == "":
        return None
    return datetime.fromtimestamp(int(value) / 1_000_000, UTC) - RESYNC_SLACK


async def _hello(ws: WebSocket, token: str | None) -> tuple[str | None, dict[str, Any]]:
    """The token and options: from the query string, or from the first message."""
    options: dict[str, Any] = {"jobs": ws.query_params.get("jobs"), "since": ws.query_params.get("since")}
    if token:
        return token, options
    first = await asyncio.wait_for(ws.receive_json(), AUTH_WAIT_S)
    if not isinstance(first, dict):
        raise ValueError("the first message must be a JSON object with a token")
    return first.get("token"), {**options, **{k: first[k] for k in ("jobs", "since") if k in first}}


async def _initial(hub: LiveHub, sub: Subscriber, user: Principal, options: dict[str, Any]) -> None:
    """Offer the current rows of followed jobs and the changes since the client's cursor."""
    if sub.job_ids:
        hub.publish_to(sub, await hub.snapshots(sub.job_ids))
    since = _since(options.get("since"))
    if since is not None:
        hub.publish_to(sub, await hub.changed_since(since, owner_scope(user)))


async def _send_loop(ws: WebSocket, sub: Subscriber) -> None:
    while True:
        for snap in await sub.next():
            await ws.send_text(snap.message_text)


async def _receive_loop(ws: WebSocket) -> None:
    """Answer pings; end when the client goes."""
    while True:
        message = await ws.receive_json()
        if isinstance(message, dict) and message.get("type") == "ping":
            await ws.send_json({"type": "pong"})


@router.websocket("/api/ws")
async def live_socket(ws: WebSocket, token: str | None = None) -> None:
    """Every change of the caller's jobs (an admin's: all jobs), or of ``jobs`` only, as JSON messages."""
    await ws.accept()
    hub = get_hub(ws)
    try:
        secret, options = await _hello(ws, token)
        job_ids, _ = _job_ids(options.get("jobs")), _since(options.get("since"))
    except (TimeoutError, ValueError, TypeError, WebSocketDisconnect) as exc:
        with contextlib.suppress(RuntimeError):
            await ws.close(CLOSE_BAD_REQUEST, f"bad hello: {exc}"[:120])
        return
    user = await ws.app.state.api.tokens.principal(secret) if secret else None
    if user is None:
        await ws.close(CLOSE_UNAUTHORIZED, "the API token is missing, invalid or its user inactive")
        return
    sub = hub.subscribe(owner_scope(user), job_ids)
    try:
        await ws.send_json(
            {
                "type": "hello",
                "userId": str(user.user_id),
                "admin": user.is_admin,
                "scope": "all" if user.is_admin else "own",
            }
        )
        await _initial(hub, sub, user, options)
        tasks = [asyncio.create_task(_send_loop(ws, sub)), asyncio.create_task(_receive_loop(ws))]
        _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
                await task
    except (WebSocketDisconnect, RuntimeError):
        pass  # the client went away
    finally:
        hub.unsubscribe(sub)
