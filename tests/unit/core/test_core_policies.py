"""Pure policies: retry decisions, lanes, payload validation, and the lane slots' order."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from seojobs.domain.errors import PermanentError, RetryableError, ValidationFailed
from seojobs.domain.jobs import JobType
from seojobs.domain.lanes import Lane, lane_of
from seojobs.domain.registry import validate_payload
from seojobs.domain.retry import Decision, plan_retry
from seojobs.pipeline.slots import AGEING_EVERY, LaneSlots

DELAYS = (60.0, 120.0, 180.0)


@pytest.mark.parametrize(
    ("error", "attempt", "max_attempts", "decision", "delay"),
    [
        (RuntimeError("boom"), 1, 3, Decision.RETRY, 60.0),  # unknown errors count as retryable
        (RetryableError("busy"), 2, 3, Decision.RETRY, 120.0),
        (RetryableError("busy"), 3, 3, Decision.DEAD_LETTER, 0.0),
        (RetryableError("slow down", delay_s=150), 1, 3, Decision.RETRY, 180.0),  # honours Retry-After
        (PermanentError("bad site"), 1, 3, Decision.DEAD_LETTER, 0.0),
        (RuntimeError("boom"), 5, 10, Decision.RETRY, 180.0),  # past the table: the last delay
    ],
)
def test_retry_plan(
    error: BaseException, attempt: int, max_attempts: int, decision: Decision, delay: float
) -> None:
    plan = plan_retry(error, attempt, max_attempts, DELAYS)
    assert (plan.decision, plan.delay_s) == (decision, delay)


@pytest.mark.parametrize(
    ("priority", "lane"),
    [(0, Lane.LOW), (3, Lane.LOW), (4, Lane.MEDIUM), (7, Lane.MEDIUM), (8, Lane.HIGH), (10, Lane.HIGH)],
)
def test_lanes(priority: int, lane: Lane) -> None:
    assert lane_of(priority) is lane


@pytest.mark.parametrize("priority", [-1, 11, 100])
def test_priority_outside_0_to_10_is_refused(priority: int) -> None:
    with pytest.raises(ValidationFailed, match="between 0 and 10"):
        lane_of(priority)


@pytest.mark.parametrize(
    ("job_type", "payload", "reason"),
    [
        (
            JobType.CRAWL_SITE,
            {"siteId": str(uuid.uuid4()), "userId": str(uuid.uuid4()), "maxPages": 0},
            "maxPages",
        ),
        (
            JobType.CRAWL_SITE,
            {"siteId": str(uuid.uuid4()), "userId": str(uuid.uuid4()), "maxPages": 1001},
            "maxPages",
        ),
        (JobType.CRAWL_SITE, {"siteId": "nope", "userId": str(uuid.uuid4())}, "siteId"),
        (JobType.RESET_USAGE, {"month": "2024-13"}, "YYYY-MM"),
        (JobType.RESET_USAGE, {"month": "24-01"}, "YYYY-MM"),
        (JobType.CLEANUP_ROLLBACKS, {"daysOld": 0}, "daysOld"),
        (JobType.CLEANUP_ROLLBACKS, {"days": 5}, "days"),
    ],
)
def test_bad_payloads_are_refused_with_the_field_named(
    job_type: JobType, payload: dict[str, object], reason: str
) -> None:
    with pytest.raises(ValidationFailed, match=reason):
        validate_payload(job_type, payload)


def test_payload_defaults_are_the_seeds() -> None:
    site, user = str(uuid.uuid4()), str(uuid.uuid4())
    assert validate_payload(JobType.CRAWL_SITE, {"siteId": site, "userId": user})["maxPages"] == 10
    assert validate_payload(JobType.CLEANUP_ROLLBACKS, {}) == {"daysOld": 90}


async def test_slots_serve_higher_lanes_first_but_age_the_others() -> None:
    slots = LaneSlots(1)
    await slots.acquire(0)
    order: list[str] = []

    async def wait(name: str, rank: int) -> None:
        await slots.acquire(rank)
        order.append(name)
        slots.release()

    tasks = [asyncio.create_task(wait(f"low{i}", 2)) for i in range(3)]
    await asyncio.sleep(0)
    tasks += [asyncio.create_task(wait(f"high{i}", 0)) for i in range(AGEING_EVERY + 2)]
    await asyncio.sleep(0)
    slots.release()
    await asyncio.gather(*tasks)
    assert order[0] == "high0", "a high-lane waiter overtakes older low-lane ones"
    assert order.index("low0") < len(order) - 3, "ageing lets a low-lane waiter through a high flood"
    everyone = [f"low{i}" for i in range(3)] + [f"high{i}" for i in range(AGEING_EVERY + 2)]
    assert sorted(order) == sorted(everyone)


def test_each_job_type_has_its_own_delay_topics_and_may_have_its_own_delays() -> None:
    from seojobs.domain.jobs import Service
    from seojobs.domain.topics import Topics
    from seojobs.pipeline.runner import RunnerConfig

    topics = Topics("p.")
    assert topics.retry(JobType.ANALYZE_SITE, 1) == "p.analyzer.retry.analyze_site.1"
    assert set(topics.retry_topics(Service.MAINTENANCE, 2)) >= {
        "p.maintenance.retry.cleanup_rollbacks.0",
        "p.maintenance.retry.sync_metrics.1",
    }
    config = RunnerConfig((60.0, 120.0), {}, 300.0, 3, {"ANALYZE_SITE": (5.0,)})
    assert config.delays_for("ANALYZE_SITE") == (5.0,)
    assert config.delays_for("CRAWL_SITE") == (60.0, 120.0)
