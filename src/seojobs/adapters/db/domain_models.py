"""The tables the job types read and write (crawl results, AI, usage, maintenance)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import text

from seojobs.adapters.db.models import Base, _created, _pk


def _site_fk() -> Mapped[uuid.UUID]:
    return mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))


class Page(Base):
    """A page seen by a crawl."""

    __tablename__ = "pages"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    site_id: Mapped[uuid.UUID] = _site_fk()
    crawl_job_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[int | None] = mapped_column(Integer)
    redirect_target: Mapped[str | None] = mapped_column(Text)
    ttfb_ms: Mapped[float | None] = mapped_column(Float)
    bytes: Mapped[int] = mapped_column(BigInteger, server_default="0")
    title: Mapped[str | None] = mapped_column(Text)
    words: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = _created()
    __table_args__ = (
        UniqueConstraint("crawl_job_id", "url", name="pages_crawl_url_key"),
        Index("pages_site_idx", "site_id", "crawl_job_id"),
    )


class SeoIssue(Base):
    """An SEO rule that fired on a page during a crawl."""

    __tablename__ = "seo_issues"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    site_id: Mapped[uuid.UUID] = _site_fk()
    crawl_job_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    url: Mapped[str] = mapped_column(Text)
    rule: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(8))
    evidence: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[datetime] = _created()
    __table_args__ = (
        Index("seo_issues_site_crawl_idx", "site_id", "crawl_job_id"),
        Index("seo_issues_site_rule_idx", "site_id", "rule"),
    )


class AuditLog(Base):
    """Who did what, when."""

    __tablename__ = "audit_logs"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str | None] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = _created()
    __table_args__ = (
        Index("audit_logs_created_idx", "created_at"),
        Index("audit_logs_entity_idx", "entity_id"),
    )


class Rollback(Base):
    """A saved state a user can roll back to, until it expires."""

    __tablename__ = "rollbacks"
    id: Mapped[uuid.UUID] = _pk()
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = _created()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (Index("rollbacks_expires_idx", "expires_at"),)


class Notification(Base):
    """A message to a user; read ones are cleaned after 90 days."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (Index("notifications_read_idx", "read_at"),)


class UsageRecord(Base):
    """A user's counters for one month."""

    __tablename__ = "usage_records"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))
    crawls: Mapped[int] = mapped_column(Integer, server_default="0")
    analyses: Mapped[int] = mapped_column(Integer, server_default="0")
    pages_crawled: Mapped[int] = mapped_column(Integer, server_default="0")
    ai_tokens: Mapped[int] = mapped_column(BigInteger, server_default="0")
    reset_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _created()
    __table_args__ = (UniqueConstraint("user_id", "month", name="usage_records_user_month_key"),)


class AiConversation(Base):
    """One analysis conversation with the model (or the offline engine)."""

    __tablename__ = "ai_conversations"
    id: Mapped[uuid.UUID] = _pk()
    site_id: Mapped[uuid.UUID] = _site_fk()
    user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    job_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), unique=True)
    engine: Mapped[str] = mapped_column(String(20))
    model: Mapped[str | None] = mapped_column(String(100))
    recommendations: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = _created()


class AiMessage(Base):
    """One turn of an AI conversation, with its token counts and latency."""

    __tablename__ = "ai_messages"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ai_conversations.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(String(100))
    input_tokens: Mapped[int | None] = mapped_column(Integer)
    output_tokens: Mapped[int | None] = mapped_column(Integer)
    stop_reason: Mapped[str | None] = mapped_column(String(40))
    latency_ms: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = _created()


class SiteMetric(Base):
    """Per-site figures recomputed by SYNC_METRICS."""

    __tablename__ = "site_metrics"
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    issues_high: Mapped[int] = mapped_column(Integer, server_default="0")
    issues_medium: Mapped[int] = mapped_column(Integer, server_default="0")
    issues_low: Mapped[int] = mapped_column(Integer, server_default="0")
    pages: Mapped[int] = mapped_column(Integer, server_default="0")
    score: Mapped[int] = mapped_column(Integer, server_default="100")
    crawl_job_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    computed_at: Mapped[datetime] = _created()


class ScheduleSlot(Base):
    """A scheduled enqueue that happened: (name, slot) is unique across scheduler instances."""

    __tablename__ = "schedule_slots"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    slot: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created()


class DeadLetter(Base):
    """A message that could not be processed, copied from the dead-letter topic for operators."""

    __tablename__ = "dead_letters"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    job_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=False)
    job_type: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    error_type: Mapped[str] = mapped_column(String(100))
    stack: Mapped[str | None] = mapped_column(Text)
    component: Mapped[str] = mapped_column(String(20))
    source_topic: Mapped[str] = mapped_column(String(255))
    source_partition: Mapped[int] = mapped_column(Integer)
    source_offset: Mapped[int] = mapped_column(BigInteger)
    attempts: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    original: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    original_base64: Mapped[str | None] = mapped_column(Text)
    dlq_partition: Mapped[int] = mapped_column(Integer)
    dlq_offset: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = _created()
    redriven_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        UniqueConstraint("dlq_partition", "dlq_offset", name="dead_letters_dlq_position_key"),
        Index("dead_letters_job_idx", "job_id"),
        Index("dead_letters_created_idx", "created_at"),
    )
