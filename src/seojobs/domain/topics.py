"""Every Kafka topic name the platform uses, declared in one place beside the events."""

from __future__ import annotations

from dataclasses import dataclass

from seojobs.domain.jobs import JobType, Service
from seojobs.domain.lanes import LANES_BY_PREFERENCE, Lane
from seojobs.domain.registry import job_types_of, spec_of

#: The topic every job lifecycle event goes to (key = job id, so one job's events stay ordered).
JOB_EVENTS = "job.events"
#: Where messages that cannot be processed end up, with their cause.
DEAD_LETTER = "job.deadletter"

#: Partitions of every work topic (a setting; this is its default). A lane's messages reach at most
#: this many processes of a service; every process, those beyond it too, runs held jobs.
WORK_PARTITIONS = 24
#: Partitions of every delay topic (a retry's release takes milliseconds, so few are enough).
RETRY_PARTITIONS = 6
#: Partitions of the job-event topic (the projector's input).
EVENT_PARTITIONS = 6
#: Retention of work and event topics: long enough to replay a month of history.
RETENTION_MS = 30 * 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec:
    """A topic the project creates, with its partition count and retention."""

    name: str
    partitions: int
    retention_ms: int = RETENTION_MS


@dataclass(frozen=True)
class Topics:
    """Topic names under an optional prefix (tests use a unique prefix each)."""

    prefix: str = ""
    #: Partitions of the work topics this project creates.
    work_partitions: int = WORK_PARTITIONS

    def _n(self, name: str) -> str:
        return f"{self.prefix}{name}"

    @property
    def job_events(self) -> str:
        """The lifecycle event topic."""
        return self._n(JOB_EVENTS)

    @property
    def dead_letter(self) -> str:
        """The dead-letter topic."""
        return self._n(DEAD_LETTER)

    def requested(self, service: Service, lane: Lane) -> str:
        """The work topic of one service's lane, e.g. ``crawler.requested.high``."""
        return self._n(f"{service.value}.requested.{lane.value}")

    def service_topics(self, service: Service) -> tuple[str, ...]:
        """The work topics one service consumes, highest lane first."""
        return tuple(self.requested(service, lane) for lane in LANES_BY_PREFERENCE)

    def retry(self, job_type: JobType, step: int) -> str:
        """The delay topic of one retry step of a job type (every message in it waits the same)."""
        return self._n(f"{spec_of(job_type).service.value}.retry.{job_type.value.lower()}.{step}")

    def retry_topics(self, service: Service, retry_steps: int) -> tuple[str, ...]:
        """Every delay topic of a service's job types."""
        return tuple(self.retry(t, step) for t in job_types_of(service) for step in range(retry_steps))

    def all_specs(self, retry_steps: int = 3) -> tuple[TopicSpec, ...]:
        """Every topic the project needs, as it creates them."""
        specs = [TopicSpec(self.job_events, EVENT_PARTITIONS), TopicSpec(self.dead_letter, 3)]
        for service in Service:
            specs.extend(TopicSpec(t, self.work_partitions) for t in self.service_topics(service))
            specs.extend(TopicSpec(t, RETRY_PARTITIONS) for t in self.retry_topics(service, retry_steps))
        return tuple(specs)
