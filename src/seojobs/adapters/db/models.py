"""The relational schema as SQLAlchemy models (Alembic migrations create it)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from seojobs.domain.jobs import JobStatus
from seojobs.domain.registry import KNOWN


class Base(DeclarativeBase):
    """Declarative base of every table."""


def _pk() -> Mapped[uuid.UUID]:
    return mapped_column(UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()"))


def _created() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


def _in(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class User(Base):
    """A customer (or an admin) of the SaaS."""

    __tablename__ = "users"
    id: Mapped[uuid.UUID] = _pk()
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    plan: Mapped[str] = mapped_column(String(20), server_default="free")
    role: Mapped[str] = mapped_column(String(20), server_default="user")
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_at: Mapped[datetime] = _created()
    __table_args__ = (
        CheckConstraint(_in("plan", ["free", "pro", "enterprise"]), name="users_plan_check"),
        CheckConstraint(_in("role", ["user", "admin"]), name="users_role_check"),
    )


class ApiToken(Base):
    """A user's API token, stored as its SHA-256 hash only."""

    __tablename__ = "api_tokens"
    id: Mapped[uuid.UUID] = _pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = _created()
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Site(Base):
    """A website a user tracks."""

    __tablename__ = "sites"
    id: Mapped[uuid.UUID] = _pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = _created()


class Job(Base):
    """A job: the seed's fields plus progress, owner, site and what the event design needs."""

    __tablename__ = "jobs"
    id: Mapped[uuid.UUID] = _pk()
    type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), server_default=JobStatus.PENDING.value)
    priority: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    max_attempts: Mapped[int] = mapped_column(Integer, server_default="3")
    scheduled_for: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    progress: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    last_seq: Mapped[int] = mapped_column(BigInteger, server_default="0")
    series: Mapped[int] = mapped_column(Integer, server_default="0")
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    depends_on: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), server_default=text("'{}'::uuid[]")
    )
    cancel_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dead_lettered: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    #: When the job was sent to its work topic (None: waiting for its time or its dependencies).
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        CheckConstraint(_in("type", [t.value for t in KNOWN.types()]), name="jobs_type_check"),
        CheckConstraint(_in("status", [s.value for s in JobStatus]), name="jobs_status_check"),
        CheckConstraint("priority BETWEEN 0 AND 10", name="jobs_priority_check"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="jobs_progress_check"),
        Index("jobs_status_created_idx", "status", "created_at"),
        Index("jobs_user_created_idx", "user_id", "created_at"),
        Index("jobs_site_created_idx", "site_id", "created_at"),
        Index("jobs_created_idx", "created_at"),
        Index(
            "jobs_finished_idx",
            "completed_at",
            postgresql_where=text("status IN ('COMPLETED', 'FAILED', 'CANCELLED')"),
        ),
        Index(
            "jobs_undispatched_idx",
            "scheduled_for",
            postgresql_where=text("status = 'PENDING' AND dispatched_at IS NULL"),
        ),
        Index(
            "jobs_inflight_idx",
            "type",
            "priority",
            postgresql_where=text("dispatched_at IS NOT NULL AND status IN ('PENDING', 'PROCESSING')"),
        ),
        Index(
            "jobs_undispatched_user_idx",
            "type",
            "user_id",
            postgresql_where=text("status = 'PENDING' AND dispatched_at IS NULL"),
        ),
        Index(
            "jobs_idempotency_idx",
            "user_id",
            "idempotency_key",
            unique=True,
            postgresql_where=text("idempotency_key IS NOT NULL"),
        ),
    )


class JobCount(Base):
    """How many jobs each owner has of each type in each status (triggers on jobs keep it).

    Triggers on ``jobs`` append each statement's changes to ``job_count_deltas``; a fold moves
    them here. A count is this row plus the deltas not folded yet, never a scan of ``jobs``.
    """

    __tablename__ = "job_counts"
    #: Jobs without an owner are counted under the nil UUID.
    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    type: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, server_default="0")


#: Count changes not folded into job_counts yet: insert-only, so concurrent writers never wait on
#: one another's counter rows (no index: it is read and emptied whole).
job_count_deltas = Table(
    "job_count_deltas",
    Base.metadata,
    Column("user_id", UUID(as_uuid=True), nullable=False),
    Column("type", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("n", BigInteger, nullable=False),
)


class Outbox(Base):
    """Messages written in the same transaction as the job rows; the relay publishes them."""

    __tablename__ = "outbox"
    __table_args__ = (Index("outbox_key_idx", "key"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(255))
    key: Mapped[bytes | None] = mapped_column(LargeBinary)
    value: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = _created()


class JobResult(Base):
    """A worker's record that a job's work is done: a redelivery re-emits it, never redoes it."""

    __tablename__ = "job_results"
    job_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    series: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt: Mapped[int] = mapped_column(Integer)
    result: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = _created()


class JobLease(Base):
    """Which worker holds a job's current attempt: held (waiting for a run slot), running or done."""

    __tablename__ = "job_leases"
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    series: Mapped[int] = mapped_column(Integer)
    attempt: Mapped[int] = mapped_column(Integer)
    #: The consumer group of the service that runs the job (with its topic prefix).
    service: Mapped[str] = mapped_column(String(255))
    #: The lane's rank (0 = high): held jobs are taken highest lane first.
    rank: Mapped[int] = mapped_column(SmallInteger)
    state: Mapped[str] = mapped_column(String(8))
    worker: Mapped[str] = mapped_column(String(255))
    #: The work message, so that any worker can run a held job and the dispatcher can restart it;
    #: a running first attempt's lease has none (the lease watch rebuilds it from the job's row
    #: with the dispatcher's own builder, migration 0011).
    request: Mapped[bytes | None] = mapped_column(LargeBinary)
    topic: Mapped[str] = mapped_column(String(255))
    partition: Mapped[int] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(BigInteger)
    since: Mapped[datetime] = _created()
    heartbeat_at: Mapped[datetime] = _created()
    __table_args__ = (
        CheckConstraint("state IN ('held', 'running', 'done')", name="job_leases_state_check"),
        # Only the key: see migration 0006 (small table, HOT updates).
        {"postgresql_with": {"fillfactor": "70"}},
    )


class CrawlCheckpoint(Base):
    """A running crawl's saved state (pages done, frontier), so that a restart resumes it."""

    __tablename__ = "crawl_checkpoints"
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    series: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer)
    state: Mapped[dict[str, Any]] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = _created()
