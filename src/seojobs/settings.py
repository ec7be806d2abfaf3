"""The one settings class: read from the environment once, by each process's composition root."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from seojobs.domain.job_spec import DEFAULT_TIME_LIMIT_S
from seojobs.domain.plans import DEFAULT_PLANS, PlanPolicy
from seojobs.domain.registry import KNOWN, spec_of
from seojobs.domain.topics import Topics

#: Where the native stack listens unless told otherwise.
DEFAULT_PG_PORT = 55432
DEFAULT_KAFKA_PORT = 19092
DEFAULT_KAFKA_CLUSTER_PORT = 29092
#: The database URL of the native stack.
DEFAULT_DATABASE_URL = f"postgresql+psycopg://seojobs:seojobs@127.0.0.1:{DEFAULT_PG_PORT}/seojobs"


def _seed(name: str) -> AliasChoices:
    """Accept the seed's unprefixed variable name as well as the prefixed one."""
    return AliasChoices(name, f"SEOJOBS_{name}")


class Settings(BaseSettings):
    """Every setting of every process; env prefix SEOJOBS_, the seed's names kept as they were."""

    model_config = SettingsConfigDict(env_prefix="SEOJOBS_", extra="ignore", frozen=True)

    # The seed's variables, names and defaults unchanged.
    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias=_seed("DATABASE_URL"))
    cron_secret: str = Field("", validation_alias=_seed("CRON_SECRET"))
    job_max_attempts: int = Field(3, ge=1, le=50, validation_alias=_seed("JOB_MAX_ATTEMPTS"))
    job_process_batch_size: int = Field(5, ge=1, le=1000, validation_alias=_seed("JOB_PROCESS_BATCH_SIZE"))
    job_retention_days: int = Field(30, ge=1, validation_alias=_seed("JOB_RETENTION_DAYS"))

    kafka_bootstrap_servers: str = Field(
        f"127.0.0.1:{DEFAULT_KAFKA_PORT}", validation_alias=_seed("KAFKA_BOOTSTRAP_SERVERS")
    )
    #: Replication factor and min.insync.replicas of the topics the project creates; 0 decides
    #: from the broker count (3 and 2 on three or more brokers, 1 and 1 on a single dev broker).
    kafka_replication_factor: int = Field(0, ge=0, le=7)
    kafka_min_insync_replicas: int = Field(0, ge=0, le=7)
    #: How every client connects: PLAINTEXT on the dev stack, SASL_SSL on a real cluster.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "SCRAM-SHA-512"
    kafka_sasl_username: str = ""
    kafka_sasl_password: SecretStr = SecretStr("")
    #: The CA certificate (PEM) that signed the brokers' certificates; unset: the system's CAs.
    kafka_ssl_cafile: Path | None = None
    #: Prefix of every topic name and consumer group (tests give each test its own).
    topic_prefix: str = ""

    # Retries: the seed's 1, 2, 3 minutes.
    retry_delays_s: tuple[float, ...] = (60.0, 120.0, 180.0)
    #: Retry delays of single job types (name -> delays), e.g. '{"ANALYZE_SITE": [30, 120, 600]}'.
    retry_delays_by_type_s: dict[str, tuple[float, ...]] = {}
    #: Time limits of single job types, seconds (name -> seconds), over the registry's.
    job_time_limits_s: dict[str, float] = {}
    #: Time limit of a type the registry does not know.
    job_time_limit_default_s: float = DEFAULT_TIME_LIMIT_S
    #: Jobs one worker process runs at once (its run slots).
    worker_concurrency: int = Field(4, ge=1, le=64)
    #: Partitions of each work topic: a lane's messages reach at most this many processes of a
    #: service directly (every process runs held jobs, beyond that too). Changing it later needs
    #: more partitions on the existing topics (`seojobs topics --check` says which).
    work_partitions: int = Field(24, ge=1, le=1000)
    #: Seconds between heartbeats of a worker's job leases.
    lease_heartbeat_s: float = Field(1.0, gt=0)
    #: A lease not renewed for this many seconds is stale: the dispatcher restarts its job elsewhere.
    lease_stale_after_s: float = Field(10.0, gt=0)
    #: A crawl saves its state (pages done, frontier) at least every this many pages or seconds, so a
    #: crawl restarted after its worker died resumes from there.
    crawl_checkpoint_pages: int = Field(10, ge=1)
    crawl_checkpoint_every_s: float = Field(5.0, gt=0)
    #: Seconds a message waits for a run slot of the worker that got it before it is held for any.
    hold_after_s: float = Field(0.2, ge=0)

    #: Plans: priority cap and boost, monthly quotas of crawls and analyses (null: unlimited).
    plans: dict[str, PlanPolicy] = Field(default_factory=lambda: dict(DEFAULT_PLANS))
    #: A crawl request for a site whose crawl is PENDING or PROCESSING returns that crawl.
    one_crawl_per_site: bool = True

    # Dispatcher (runs in the relay): jobs of one (service, lane) in Kafka and unfinished at once.
    dispatch_window: int = Field(256, ge=1)
    dispatch_batch: int = Field(500, ge=1)

    # Outbox relay.
    relay_batch_size: int = Field(500, ge=1, le=10000)
    relay_poll_interval_s: float = 1.0

    # Projector.
    projector_batch_size: int = Field(1000, ge=1)

    #: Rows one maintenance delete removes per transaction (short locks).
    maintenance_batch_size: int = Field(1000, ge=1)

    # Maintenance schedule (cron expressions, UTC).
    daily_cleanup_cron: str = "0 0 * * *"
    monthly_reset_cron: str = "0 0 1 * *"
    scheduler_enabled: bool = True

    # Crawler.
    crawl_allowed_private: str = ""
    #: Hosts (comma-separated IP networks or exact names) whose TLS certificate the crawler does not
    #: verify, e.g. the demo site's self-signed one; empty in production.
    crawl_tls_insecure_hosts: str = ""
    chromium_path: str = "/usr/lib/chromium/chromium"

    # Analyzer: the Anthropic SDK's own variable names.
    anthropic_api_key: str = Field("", validation_alias=_seed("ANTHROPIC_API_KEY"))
    anthropic_model: str = Field("claude-sonnet-4-5", validation_alias=_seed("ANTHROPIC_MODEL"))
    anthropic_base_url: str | None = Field(None, validation_alias=_seed("ANTHROPIC_BASE_URL"))
    anthropic_max_tokens: int = 4096
    anthropic_timeout_s: float = 120.0
    anthropic_max_retries: int = 2

    # API.
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    #: API worker processes uvicorn runs on the port (1: one process, no supervisor).
    api_workers: int = Field(1, ge=1, le=64)
    #: Database connections each API process keeps open (requests beyond it wait for one).
    api_pool_size: int = Field(32, ge=1, le=500)
    #: How long an API process trusts a token lookup, seconds: a revoked token or a deactivated
    #: user is refused at most this long after the change.
    auth_cache_ttl_s: float = Field(2.0, ge=0.0, le=60.0)
    metrics_port: int = 0

    #: Benchmarks only: run and accept the no-op job type (NOOP); off in every real deployment.
    bench_enabled: bool = False

    # Native stack.
    stack_dir: Path = Path(".stack")
    pg_port: int = DEFAULT_PG_PORT
    kafka_port: int = DEFAULT_KAFKA_PORT
    #: First broker port of the native 3-node cluster (`stack up --brokers 3`).
    kafka_cluster_port: int = DEFAULT_KAFKA_CLUSTER_PORT

    @property
    def retry_steps(self) -> int:
        """How many delay topics each job type has (the longest delay table)."""
        return max([len(self.retry_delays_s), *(len(d) for d in self.retry_delays_by_type().values())])

    @property
    def topics(self) -> Topics:
        """The topics of this deployment (prefix and partition count)."""
        return Topics(self.topic_prefix, self.work_partitions)

    def time_limit_s(self, job_type: str) -> float:
        """The time limit of one job type: this deployment's, else the registry's."""
        if job_type in self.job_time_limits_s:
            return self.job_time_limits_s[job_type]
        known = {t.value: t for t in KNOWN.types()}
        return spec_of(known[job_type]).time_limit_s if job_type in known else self.job_time_limit_default_s

    def retry_delays_by_type(self) -> dict[str, tuple[float, ...]]:
        """Retry delays of the types that differ from retry_delays_s: the registry's, then this
        deployment's overrides."""
        declared = {s.job_type.value: s.retry_delays_s for s in KNOWN if s.retry_delays_s is not None}
        return {**declared, **self.retry_delays_by_type_s}
