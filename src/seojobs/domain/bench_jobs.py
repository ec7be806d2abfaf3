"""The benchmark's job type (NOOP): declared here, beside the bench, not in the product's registry.

A deployment accepts and runs it only with ``SEOJOBS_BENCH_ENABLED`` (``registry.enabled``); the
product registry (``registry.PRODUCT``) never lists it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from seojobs.domain.contracts.results import NoopResult
from seojobs.domain.job_spec import JobSpec
from seojobs.domain.jobs import JobType, Service


class NoopPayload(BaseModel):
    """NOOP (benchmarks only): an optional tag the benchmark uses to find its jobs."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    tag: str | None = Field(None, max_length=100)


#: Does nothing and succeeds, so a benchmark measures the pipeline alone.
NOOP_SPEC = JobSpec(
    JobType.NOOP,
    Service.MAINTENANCE,
    NoopPayload,
    NoopResult,
    default_priority=4,
    handler="seojobs.maintenance.handlers:build_noop",
)

#: The bench's job types.
BENCH_SPECS: tuple[JobSpec, ...] = (NOOP_SPEC,)
