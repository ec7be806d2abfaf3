"""GET /api/jobs/{id}/events: the job's changes as Server-Sent Events, owner only, resumable."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.integration.live.conftest import LiveStack
from tests.integration.live.sse import SseEvent, read_events

pytestmark = pytest.mark.integration

#: Longest wait for one event, seconds.
EVENT_WAIT_S = 15.0


async def _next(events: AsyncIterator[SseEvent]) -> SseEvent:
    return await asyncio.wait_for(anext(events), EVENT_WAIT_S)


async def test_events_follow_the_job_to_its_end_and_resume_from_last_event_id(live: LiveStack) -> None:
    alice = await live.user()
    job_id = await live.job(alice)
    url = f"{live.url}/api/jobs/{job_id}/events"
    async with httpx.AsyncClient(timeout=30) as http:
        async with http.stream("GET", url, headers=alice.headers) as resp:
            assert resp.status_code == 200
            assert resp.headers["content-type"].startswith("text/event-stream")
            events = read_events(resp)
            first = await _next(events)
            assert (first.event, first.id, first.data["status"]) == ("job", "0", "PENDING")
            started = await live.start(job_id)
            assert (await _next(events)).data["status"] == "PROCESSING"
            seq = await live.progress(job_id, 40, 2)
            seen = await _next(events)
            assert (seen.id, seen.data["progress"]) == (str(seq), 40)
            assert seq > started

        # Changes while the client is away are not lost: it resumes from the last id it saw.
        await live.progress(job_id, 80, 3)
        final = await live.complete(job_id)
        await live.projected(job_id, final)  # the client comes back after the job ended
        resumed = {**alice.headers, "Last-Event-ID": str(seq)}
        async with http.stream("GET", url, headers=resumed) as resp:
            events = read_events(resp)
            got = await _next(events)
            assert (got.id, got.data["status"], got.data["progress"]) == (str(final), "COMPLETED", 100)
            assert (await _next(events)).event == "end"

        # A client that has already seen the end is told so at once.
        seen_all = {**alice.headers, "Last-Event-ID": str(final)}
        async with http.stream("GET", url, headers=seen_all) as resp:
            assert [e.event async for e in read_events(resp)] == ["end"]


async def test_another_users_job_is_404_and_no_token_is_401(live: LiveStack) -> None:
    alice, bob = await live.user(), await live.user()
    job_id = await live.job(alice)
    async with httpx.AsyncClient(timeout=10) as http:
        url = f"{live.url}/api/jobs/{job_id}/events"
        assert (await http.get(url, headers=bob.headers)).status_code == 404
        assert (await http.get(url)).status_code == 401
        missing = await http.get(f"{live.url}/api/jobs/{uuid.uuid4()}/events", headers=alice.headers)
        assert missing.status_code == 404 and missing.json()["success"] is False


async def test_an_admin_may_follow_any_job(live: LiveStack) -> None:
    alice, admin = await live.user(), await live.user("admin")
    job_id = await live.job(alice)
    async with (
        httpx.AsyncClient(timeout=30) as http,
        http.stream("GET", f"{live.url}/api/jobs/{job_id}/events", headers=admin.headers) as resp,
    ):
        events = read_events(resp)
        assert (await _next(events)).data["userId"] == str(alice.user_id)
        await live.start(job_id)
        assert (await _next(events)).data["status"] == "PROCESSING"
