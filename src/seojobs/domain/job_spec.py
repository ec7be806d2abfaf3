"""A job type's declaration (JobSpec) and an immutable set of them (JobRegistry)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from seojobs.domain.jobs import JobType, Service

#: Seconds a job of a type that declares no time limit may run (the seed's 5 minutes).
DEFAULT_TIME_LIMIT_S = 300.0

#: The monthly usage counters a plan meters (``PlanPolicy.monthly_<counter>``).
QuotaCounter = Literal["crawls", "analyses"]


@dataclass(frozen=True)
class JobSpec:
    """Everything the platform knows about one job type, declared once."""

    job_type: JobType
    service: Service
    payload: type[BaseModel]
    #: The result's model (``domain/contracts/results.py``, the seed's shapes); None: free-form.
    result: type[BaseModel] | None = None
    default_priority: int = 5
    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    #: Delays between attempts; None: the deployment's ``SEOJOBS_RETRY_DELAYS_S``.
    retry_delays_s: tuple[float, ...] | None = None
    #: The plan's monthly counter a job of this type uses up; None: not metered.
    quota: QuotaCounter | None = None
    #: The job acts on a site for its owner: the site must belong to the requesting user.
    owned_site: bool = False
    #: ``module:function`` building the handler from the worker's settings and engine; None: the
    #: service's composition root wires it by hand (handlers that share a browser or an engine).
    handler: str | None = None
    #: Path under ``/api/jobs`` of the enqueue route derived from this spec; None: a hand-written
    #: route (the seed's endpoints) or none.
    route: str | None = None


class JobRegistry:
    """An immutable set of job specs, looked up by type or by service."""

    def __init__(self, specs: tuple[JobSpec, ...]) -> None:
        self._specs = {s.job_type: s for s in specs}
        if len(self._specs) != len(specs):
            raise ValueError("a job type is declared twice")

    def __iter__(self) -> Iterator[JobSpec]:
        """The specs in declaration order."""
        return iter(self._specs.values())

    def __contains__(self, job_type: object) -> bool:
        """Whether the type is declared here."""
        return job_type in self._specs

    def spec(self, job_type: JobType) -> JobSpec:
        """The spec of one type (KeyError when it is not declared here)."""
        return self._specs[job_type]

    def types(self) -> tuple[JobType, ...]:
        """The declared types, in declaration order."""
        return tuple(self._specs)

    def of_service(self, service: Service) -> tuple[JobSpec, ...]:
        """The specs of the types one service runs."""
        return tuple(s for s in self._specs.values() if s.service is service)

    def including(self, *specs: JobSpec) -> JobRegistry:
        """A registry with these specs added (the bench adds its no-op type this way)."""
        return JobRegistry((*self._specs.values(), *specs))
