"""The maintenance jobs' hand-written SQL, one named statement per step.

Deletes and resets touch at most ``:limit`` rows per statement, picked with
``FOR UPDATE SKIP LOCKED`` so each batch is a short transaction that never waits on
(or blocks) another cleanup or a request holding one of the rows.
"""

from __future__ import annotations

from sqlalchemy import TextClause, text

DELETE_EXPIRED_ROLLBACKS: TextClause = text("""
    DELETE FROM rollbacks
    WHERE id IN (
        SELECT id FROM rollbacks
        WHERE expires_at < :now AND created_at < :created_before
        LIMIT :limit
        FOR UPDATE SKIP LOCKED)
""")
"""Delete one batch of rollbacks that have expired and are older than the cutoff."""

DELETE_COMPLETED_JOBS: TextClause = text("""
    DELETE FROM jobs
    WHERE id IN (
        SELECT id FROM jobs
        WHERE status = 'COMPLETED' AND completed_at < :completed_before AND id <> :self_id
        LIMIT :limit
        FOR UPDATE SKIP LOCKED)
""")
"""Delete one batch of jobs completed before the retention cutoff (never the running one)."""

DELETE_OLD_AUDIT_LOGS: TextClause = text("""
    DELETE FROM audit_logs
    WHERE id IN (
        SELECT id FROM audit_logs
        WHERE created_at < :created_before
        LIMIT :limit
        FOR UPDATE SKIP LOCKED)
""")
"""Delete one batch of audit logs older than the cutoff."""

DELETE_READ_NOTIFICATIONS: TextClause = text("""
    DELETE FROM notifications
    WHERE id IN (
        SELECT id FROM notifications
        WHERE read_at IS NOT NULL AND created_at < :created_before
        LIMIT :limit
        FOR UPDATE SKIP LOCKED)
""")
"""Delete one batch of read notifications created before the cutoff."""

RESET_NEVER_RESET_USAGE: TextClause = text("""
    UPDATE usage_records
    SET crawls = 0, analyses = 0, pages_crawled = 0, ai_tokens = 0, reset_at = :now
    WHERE id IN (
        SELECT id FROM usage_records
        WHERE month = :month AND reset_at IS NULL
        LIMIT :limit
        FOR UPDATE SKIP LOCKED)
""")
"""Zero one batch of the month's rows that were never reset, marking them reset."""

CREATE_MISSING_USAGE: TextClause = text("""
    WITH candidates AS (
        SELECT u.id FROM users u
        WHERE u.active
          AND NOT EXISTS (
              SELECT 1 FROM usage_records r WHERE r.user_id = u.id AND r.month = :month)
        ORDER BY u.id
        LIMIT :limit
    ), created AS (
        INSERT INTO usage_records (user_id, month, reset_at)
        SELECT id, :month, :now FROM candidates
        ON CONFLICT (user_id, month) DO NOTHING
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM candidates) AS seen, (SELECT count(*) FROM created) AS created
""")
"""Give one batch of active users without a row for the month a zeroed, already-reset row."""

COUNT_SITES: TextClause = text("SELECT count(*) FROM sites")
"""How many sites there are."""

SITE_IDS_AFTER: TextClause = text("""
    SELECT id FROM sites WHERE id > :after ORDER BY id LIMIT :limit
""")
"""One page of site ids in id order (keyset pagination)."""

LATEST_CRAWL_FIGURES: TextClause = text("""
    SELECT s.id AS site_id, latest.crawl_job_id,
           coalesce(p.pages, 0) AS pages,
           coalesce(i.high, 0) AS issues_high,
           coalesce(i.medium, 0) AS issues_medium,
           coalesce(i.low, 0) AS issues_low
    FROM sites s
    LEFT JOIN LATERAL (
        SELECT seen.crawl_job_id FROM (
            (SELECT crawl_job_id, created_at FROM pages
             WHERE site_id = s.id ORDER BY created_at DESC LIMIT 1)
            UNION ALL
            (SELECT crawl_job_id, created_at FROM seo_issues
             WHERE site_id = s.id ORDER BY created_at DESC LIMIT 1)
        ) seen
        ORDER BY seen.created_at DESC, seen.crawl_job_id DESC
        LIMIT 1
    ) latest ON true
    LEFT JOIN LATERAL (
        SELECT count(*) AS pages FROM pages
        WHERE site_id = s.id AND crawl_job_id = latest.crawl_job_id
    ) p ON true
    LEFT JOIN LATERAL (
        SELECT count(*) FILTER (WHERE severity = 'high') AS high,
               count(*) FILTER (WHERE severity = 'medium') AS medium,
               count(*) FILTER (WHERE severity = 'low') AS low
        FROM seo_issues
        WHERE site_id = s.id AND crawl_job_id = latest.crawl_job_id
    ) i ON true
    WHERE s.id = ANY(:site_ids)
    ORDER BY s.id
    FOR KEY SHARE OF s
""")
"""Per site: its latest crawl (by created_at over pages and issues) and that crawl's counts.

``FOR KEY SHARE`` keeps the sites from being deleted before their metrics row is written.
"""

UPSERT_SITE_METRICS: TextClause = text("""
    INSERT INTO site_metrics AS m
        (site_id, issues_high, issues_medium, issues_low, pages, score, crawl_job_id, computed_at)
    VALUES
        (:site_id, :issues_high, :issues_medium, :issues_low, :pages, :score, :crawl_job_id, :now)
    ON CONFLICT (site_id) DO UPDATE SET
        issues_high = EXCLUDED.issues_high, issues_medium = EXCLUDED.issues_medium,
        issues_low = EXCLUDED.issues_low, pages = EXCLUDED.pages, score = EXCLUDED.score,
        crawl_job_id = EXCLUDED.crawl_job_id, computed_at = EXCLUDED.computed_at
    WHERE (m.issues_high, m.issues_medium, m.issues_low, m.pages, m.score, m.crawl_job_id)
          IS DISTINCT FROM (EXCLUDED.issues_high, EXCLUDED.issues_medium, EXCLUDED.issues_low,
                            EXCLUDED.pages, EXCLUDED.score, EXCLUDED.crawl_job_id)
""")
"""Write a site's metrics; a row whose figures did not change is left as it was."""

CLAIM_SLOT: TextClause = text("""
    INSERT INTO schedule_slots (name, slot, job_id)
    VALUES (:name, :slot, :placeholder)
    ON CONFLICT (name, slot) DO NOTHING
    RETURNING name
""")
"""Take a schedule slot (placeholder job id), or return no row when another instance has it."""

SET_SLOT_JOB: TextClause = text("""
    UPDATE schedule_slots SET job_id = :job_id WHERE name = :name AND slot = :slot
""")
"""Point a claimed slot at the job it enqueued."""

SLOT_TAKEN: TextClause = text("""
    SELECT EXISTS (SELECT 1 FROM schedule_slots WHERE name = :name AND slot = :slot)
""")
"""Whether a slot was already claimed (committed)."""
