"""Hand-written SQL for the hot paths (enqueue, outbox, projector), named and kept together."""

from __future__ import annotations

from sqlalchemy import text

INSERT_JOB = text("""
    INSERT INTO jobs (id, type, status, priority, payload, max_attempts, scheduled_for,
                      user_id, site_id, idempotency_key, parent_id, depends_on, created_at, updated_at,
                      dispatched_at)
    VALUES (:id, :type, 'PENDING', :priority, CAST(:payload AS jsonb), :max_attempts,
            :scheduled_for, :user_id, :site_id, :idempotency_key, :parent_id,
            CAST(:depends_on AS uuid[]), :created_at, :created_at, :dispatched_at)
    ON CONFLICT DO NOTHING
    RETURNING id
""")

FIND_BY_IDEMPOTENCY_KEY = text("""
    SELECT id FROM jobs
    WHERE user_id = :user_id AND idempotency_key = :key AND created_at > now() - interval '24 hours'
""")

#: An idempotency key is remembered for 24 hours: after that the key is free for a new job.
EXPIRE_IDEMPOTENCY_KEY = text("""
    UPDATE jobs SET idempotency_key = NULL
    WHERE user_id = :user_id AND idempotency_key = :key AND created_at <= now() - interval '24 hours'
""")

INSERT_OUTBOX = text("INSERT INTO outbox (topic, key, value) VALUES (:topic, :key, :value)")

#: The relay's claim: oldest first, rows another relay holds are skipped, not waited for.
CLAIM_OUTBOX = text("""
    SELECT id, topic, key, value FROM outbox
    ORDER BY id
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
""")

DELETE_OUTBOX = text("DELETE FROM outbox WHERE id = ANY(:ids)")

OUTBOX_BACKLOG = text("SELECT count(*) FROM outbox")

#: Rows the projector reads before applying a batch of events.
JOB_STATES = text("SELECT id, status, last_seq FROM jobs WHERE id = ANY(:ids) FOR UPDATE")

#: The projector's insert of a job it has not seen (a rebuild from the topics).
PROJECT_REQUESTED = text("""
    INSERT INTO jobs (id, type, status, priority, payload, max_attempts, scheduled_for, user_id,
                      site_id, idempotency_key, parent_id, depends_on, created_at, updated_at,
                      last_seq, series)
    VALUES (:id, :type, 'PENDING', :priority, CAST(:payload AS jsonb), :max_attempts,
            :scheduled_for, :user_id, :site_id, :idempotency_key, :parent_id,
            CAST(:depends_on AS uuid[]), :created_at, :created_at, :seq, :series)
    ON CONFLICT (id) DO NOTHING
""")

JOB_STATS = text("""
    SELECT status, count(*) FROM jobs
    WHERE (CAST(:user_id AS uuid) IS NULL OR user_id = CAST(:user_id AS uuid))
    GROUP BY status
""")

#: Cancel a job that has not started: it never will.
CANCEL_PENDING = text("""
    UPDATE jobs SET status = 'CANCELLED', cancel_requested_at = now(), completed_at = now(),
                    error = :reason, last_seq = :seq, updated_at = now()
    WHERE id = :id AND status = 'PENDING'
    RETURNING id
""")

#: Ask a running job to stop at its next checkpoint.
REQUEST_CANCEL = text("""
    UPDATE jobs SET cancel_requested_at = coalesce(cancel_requested_at, now()), updated_at = now()
    WHERE id = :id AND status = 'PROCESSING'
    RETURNING id
""")

#: What a worker checks before and while it runs a job.
WORKER_VIEW = text("""
    SELECT status, cancel_requested_at IS NOT NULL AS cancel_requested, series, attempts
    FROM jobs WHERE id = :id
""")

DELETE_OLD_JOBS = text("""
    DELETE FROM jobs WHERE id IN (
        SELECT id FROM jobs
        WHERE status IN ('COMPLETED', 'FAILED', 'CANCELLED') AND completed_at < :before
        LIMIT :limit)
""")

#: Scheduled jobs whose time has come and whose dependencies all completed, oldest due first.
CLAIM_DUE = text("""
    SELECT j.id, j.type, j.priority, j.payload, j.max_attempts, j.user_id, j.site_id, j.series,
           j.scheduled_for, j.created_at
    FROM jobs j
    WHERE j.status = 'PENDING' AND j.dispatched_at IS NULL AND j.scheduled_for <= now()
      AND NOT EXISTS (SELECT 1 FROM jobs d WHERE d.id = ANY(j.depends_on) AND d.status <> 'COMPLETED')
    ORDER BY j.priority DESC, j.scheduled_for
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
""")

MARK_DISPATCHED = text("UPDATE jobs SET dispatched_at = now(), updated_at = now() WHERE id = ANY(:ids)")
