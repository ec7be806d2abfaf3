"""Dead letters end to end: a permanent failure is stored, shown and redriven; a poison message
among a thousand good jobs is dead-lettered alone and leaves the others' order alone."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from seojobs.adapters.db.job_store import JobStore
from seojobs.adapters.kafka.admin import ensure_topics
from seojobs.domain.jobs import JobType, Service
from seojobs.domain.lanes import Lane
from seojobs.domain.requests import NewJob
from seojobs.domain.topics import Topics
from seojobs.settings import Settings
from tests.e2e.conftest import Account
from tests.e2e.jobs_http import wait_terminal
from tests.e2e.test_e2e_faults import events_of
from tests.support.services import ServiceSet, wait_for

pytestmark = pytest.mark.e2e

BASE = "/api/admin/dead-letters"
#: Good jobs the poison message travels among.
GOOD_JOBS = 1000
#: Not JSON: the worker cannot even read it.
POISON = b"\x00{this is not json"


async def dead_letters(http: httpx.AsyncClient, svc: ServiceSet, admin: Account) -> list[dict[str, Any]]:
    """The stored dead letters, newest first."""
    resp = await http.get(f"{svc.api_url}{BASE}", headers=admin.headers)
    assert resp.status_code == 200, resp.text
    found: list[dict[str, Any]] = resp.json()["deadLetters"]
    return found


async def test_permanent_failure_is_dead_lettered_then_redriven_to_completion(
    services: ServiceSet, engine: AsyncEngine, admin: Account, http: httpx.AsyncClient, settings: Settings
) -> None:
    topics = Topics(settings.topic_prefix)
    for name in ("api", "relay", "projector", "maintenance"):
        services.start(name)
    await services.wait_api()
    site_id = uuid.uuid4()
    # The API refuses an unknown site, so the job goes in as embedding code would enqueue it.
    job = NewJob(
        JobType.SYNC_METRICS, {"siteId": str(site_id)}, priority=4, max_attempts=3, user_id=admin.user_id
    )
    await JobStore(engine, topics).enqueue(job)
    job_id = str(job.job_id)

    failed = await wait_terminal(http, services, job_id, admin.headers)
    assert failed["status"] == "FAILED" and f"site {site_id} does not exist" in failed["error"]
    assert failed["attempts"] == 1, "a permanent failure is not retried"
    listed: list[dict[str, Any]] = []

    async def stored() -> bool:
        listed[:] = await dead_letters(http, services, admin)
        state = await http.get(f"{services.api_url}/api/jobs/{job_id}/status", headers=admin.headers)
        return bool(listed) and state.json()["job"]["deadLettered"] is True

    await wait_for(stored, 60, "the dead letter to be stored and the job marked", services.log_tail)
    (letter,) = listed
    assert (letter["jobId"], letter["jobType"], letter["errorType"], letter["component"]) == (
        job_id,
        "SYNC_METRICS",
        "PermanentError",
        "worker",
    )
    assert letter["sourceTopic"] == topics.requested(Service.MAINTENANCE, Lane.MEDIUM)
    full = (await http.get(f"{services.api_url}{BASE}/{letter['id']}", headers=admin.headers)).json()
    assert "PermanentError" in full["deadLetter"]["stack"] and "sync_metrics" in full["deadLetter"]["stack"]
    started = [e for e in await events_of(settings, {job_id}) if e["event_type"] == "job.started"]
    assert started[0]["payload"]["partition"] == letter["sourcePartition"]
    assert letter["sourceOffset"] >= 0 and full["deadLetter"]["original"]["job_id"] == job_id

    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO sites (id, user_id, url, name) "
                "VALUES (:s, :u, 'https://example.test', 'Now here')"
            ),
            {"s": site_id, "u": admin.user_id},
        )
    resp = await http.post(f"{services.api_url}{BASE}/{letter['id']}/redrive", headers=admin.headers)
    assert resp.status_code == 200 and resp.json() == {"success": True, "jobId": job_id}, resp.text

    done = await wait_terminal(http, services, job_id, admin.headers)
    assert done["status"] == "COMPLETED", done
    assert done["result"]["sitesSynced"] == 1 and done["deadLettered"] is False
    async with engine.connect() as conn:
        series = (
            await conn.execute(text("SELECT series FROM jobs WHERE id = :id"), {"id": job.job_id})
        ).scalar()
    assert series == 1, "the redrive ran as a new attempt series"
    assert (await dead_letters(http, services, admin))[0]["redrivenAt"] is not None


async def work_positions(settings: Settings, topic: str) -> dict[str, tuple[int, int]]:
    """job id -> (partition, offset) of every readable job message on a work topic."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: dict[str, tuple[int, int]] = {}
    try:
        while batch := await consumer.getmany(timeout_ms=1500):
            for records in batch.values():
                for r in records:
                    if r.value != POISON:
                        found[json.loads(r.value)["job_id"]] = (r.partition, r.offset)
    finally:
        await consumer.stop()
    return found


async def test_poison_message_among_a_thousand_jobs(
    services: ServiceSet, engine: AsyncEngine, admin: Account, http: httpx.AsyncClient, settings: Settings
) -> None:
    topics = Topics(settings.topic_prefix)
    lane_topic = topics.requested(Service.MAINTENANCE, Lane.MEDIUM)
    await ensure_topics(settings.kafka_bootstrap_servers, topics.all_specs(settings.retry_steps))
    store = JobStore(engine, topics)
    jobs = [NewJob(JobType.SYNC_METRICS, {}, priority=4, max_attempts=3) for _ in range(GOOD_JOBS)]
    async with engine.begin() as conn:
        for job in jobs[: GOOD_JOBS // 2]:
            await store.enqueue_in(conn, job)
    for name in ("api", "relay", "projector"):
        services.start(name)
    services.start("maintenance", SEOJOBS_WORKER_CONCURRENCY=6)  # one run slot per partition
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(lane_topic, POISON, partition=0)
    finally:
        await producer.stop()
    async with engine.begin() as conn:
        for job in jobs[GOOD_JOBS // 2 :]:
            await store.enqueue_in(conn, job)
    await services.wait_api()

    async def all_completed() -> bool:
        async with engine.connect() as conn:
            n = (await conn.execute(text("SELECT count(*) FROM jobs WHERE status = 'COMPLETED'"))).scalar()
        return n == GOOD_JOBS

    await wait_for(all_completed, 150, f"{GOOD_JOBS} jobs to complete", services.log_tail, every_s=0.5)

    async def one_letter() -> bool:
        return len(await dead_letters(http, services, admin)) >= 1

    await wait_for(one_letter, 30, "the poison message's dead letter", services.log_tail)
    (letter,) = await dead_letters(http, services, admin)
    assert "not valid JSON" in letter["reason"] and letter["jobId"] is None
    assert (letter["sourceTopic"], letter["sourcePartition"]) == (lane_topic, 0)

    positions = await work_positions(settings, lane_topic)
    assert set(positions) == {str(j.job_id) for j in jobs}
    events = await events_of(settings, set(positions))
    started = [e for e in events if e["event_type"] == "job.started"]
    assert len(started) == GOOD_JOBS, "every good job started exactly once"
    # Order is kept per job, not per partition: a job waiting for a run slot may be run by any
    # worker while the partition's later jobs start (see README, Long jobs).
    by_job: dict[str, list[dict[str, object]]] = defaultdict(list)
    for e in events:
        by_job[str(e["job_id"])].append(e)
    for job_id, own in by_job.items():
        kinds = [e["event_type"] for e in sorted(own, key=lambda e: int(str(e["seq"])))]
        assert kinds[:2] == ["job.requested", "job.started"] and kinds[-1] == "job.completed", (job_id, kinds)
