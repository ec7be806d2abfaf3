"""The /api/ws WebSocket: every change of the caller's jobs (an admin's: all), resumable by cursor."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.integration.live.conftest import LiveStack

pytestmark = pytest.mark.integration

#: Longest wait for one message, seconds.
MESSAGE_WAIT_S = 15.0


async def _recv(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), MESSAGE_WAIT_S))
    return message


async def _job_message(ws: ClientConnection) -> dict[str, Any]:
    while True:
        message = await _recv(ws)
        if message["type"] == "job":
            return message


async def test_each_user_gets_their_own_jobs_and_an_admin_gets_all(live: LiveStack) -> None:
    alice, bob, admin = await live.user(), await live.user(), await live.user("admin")
    alice_job, bob_job = await live.job(alice), await live.job(bob)
    async with (
        connect(f"{live.ws_url}?token={alice.token}") as a_ws,
        connect(f"{live.ws_url}?token={bob.token}") as b_ws,
        connect(f"{live.ws_url}?token={admin.token}") as admin_ws,
    ):
        hellos = [await _recv(ws) for ws in (a_ws, b_ws, admin_ws)]
        assert [(h["type"], h["scope"]) for h in hellos] == [
            ("hello", "own"),
            ("hello", "own"),
            ("hello", "all"),
        ]
        seq = await live.start(alice_job)
        for ws in (a_ws, admin_ws):
            message = await _job_message(ws)
            assert message["job"]["id"] == str(alice_job) and message["job"]["status"] == "PROCESSING"
            assert message["seq"] == seq and message["id"] == f"{alice_job}:{seq}"
        # Bob's first message is about his own job: alice's change never reached him.
        await live.start(bob_job)
        assert (await _job_message(b_ws))["job"]["id"] == str(bob_job)
        assert (await _job_message(admin_ws))["job"]["id"] == str(bob_job)


async def test_token_in_first_message_and_followed_jobs_only(live: LiveStack) -> None:
    alice = await live.user()
    followed, other = await live.job(alice), await live.job(alice)
    async with connect(live.ws_url) as ws:
        await ws.send(json.dumps({"token": alice.token, "jobs": [str(followed)]}))
        assert (await _recv(ws))["type"] == "hello"
        current = await _job_message(ws)
        assert (current["job"]["id"], current["job"]["status"]) == (str(followed), "PENDING")
        await live.start(other)
        await live.start(followed)
        assert (await _job_message(ws))["job"]["id"] == str(followed)
        await ws.send(json.dumps({"type": "ping"}))
        assert (await _recv(ws))["type"] == "pong"


async def test_another_users_job_is_never_delivered_even_when_asked_for(live: LiveStack) -> None:
    alice, bob = await live.user(), await live.user()
    alice_job, bob_job = await live.job(alice), await live.job(bob)
    async with connect(f"{live.ws_url}?token={bob.token}&jobs={alice_job},{bob_job}") as ws:
        assert (await _recv(ws))["type"] == "hello"
        assert (await _job_message(ws))["job"]["id"] == str(bob_job)  # alice's current row is withheld
        await live.start(alice_job)
        await live.start(bob_job)
        message = await _job_message(ws)
        assert (message["job"]["id"], message["job"]["status"]) == (str(bob_job), "PROCESSING")


async def test_bad_tokens_are_refused_with_4401(live: LiveStack) -> None:
    for url in (f"{live.ws_url}?token=not-a-token", live.ws_url):
        async with connect(url) as ws:
            if "token=" not in url:
                await ws.send(json.dumps({"token": "wrong"}))
            with pytest.raises(ConnectionClosed) as closed:
                await _recv(ws)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_a_reconnecting_client_resumes_from_its_cursor(live: LiveStack) -> None:
    alice = await live.user()
    job_id = await live.job(alice)
    async with connect(f"{live.ws_url}?token={alice.token}") as ws:
        await _recv(ws)
        await live.start(job_id)
        cursor = (await _job_message(ws))["cursor"]
    # Away: the job progresses and completes.
    await live.progress(job_id, 50, 2)
    final = await live.complete(job_id)
    async with connect(f"{live.ws_url}?token={alice.token}&since={cursor}") as ws:
        await _recv(ws)
        latest: dict[str, Any] = {}
        while latest.get("seq") != final:
            latest = await _job_message(ws)
            assert latest["job"]["id"] == str(job_id)
        assert latest["job"]["status"] == "COMPLETED" and latest["job"]["progress"] == 100


async def test_many_jobs_in_one_batch_all_arrive(live: LiveStack) -> None:
    """More jobs than one NOTIFY payload holds: the chunked notifications cover every one."""
    admin = await live.user("admin")
    owner = await live.user()
    jobs = [await live.job(owner) for _ in range(320)]
    async with connect(f"{live.ws_url}?token={admin.token}") as ws:
        await _recv(ws)
        await asyncio.gather(*(live.start(j) for j in jobs))
        pending: set[uuid.UUID] = set(jobs)
        while pending:
            message = await _job_message(ws)
            if message["job"]["status"] == "PROCESSING":
                pending.discard(uuid.UUID(message["job"]["id"]))
