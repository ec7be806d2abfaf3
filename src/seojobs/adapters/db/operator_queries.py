"""Hand-written SQL of the operator tools: the dead-letter store (ingest, list, redrive, purge), replays."""

from __future__ import annotations

from sqlalchemy import TextClause, text

#: One dead letter per position on the dead-letter topic: ingesting twice stores it once.
INSERT_DEAD_LETTER: TextClause = text("""
    INSERT INTO dead_letters (job_id, job_type, reason, error_type, stack, component, source_topic,
                              source_partition, source_offset, attempts, original, original_base64,
                              dlq_partition, dlq_offset)
    VALUES (CAST(:job_id AS uuid), :job_type, :reason, :error_type, :stack, :component, :source_topic,
            :source_partition, :source_offset, CAST(:attempts AS jsonb), CAST(:original AS jsonb),
            :original_base64, :dlq_partition, :dlq_offset)
    ON CONFLICT (dlq_partition, dlq_offset) DO NOTHING
""")

#: Every column of a dead letter, in the order the API helpers read them.
_COLUMNS = """id, job_id, job_type, reason, error_type, stack, component, source_topic, source_partition,
              source_offset, attempts, original, original_base64, dlq_partition, dlq_offset, created_at,
              redriven_at"""

#: The filter every list and bulk action shares (each parameter NULL means "any").
_MATCHES = """
    (CAST(:job_type AS text) IS NULL OR job_type = CAST(:job_type AS text))
    AND (CAST(:reason AS text) IS NULL OR strpos(lower(reason), lower(CAST(:reason AS text))) > 0)
    AND (CAST(:redriven AS boolean) IS NULL
         OR (redriven_at IS NOT NULL) = CAST(:redriven AS boolean))
"""

LIST_DEAD_LETTERS: TextClause = text(f"""
    SELECT {_COLUMNS} FROM dead_letters
    WHERE {_MATCHES}
    ORDER BY id DESC
    LIMIT :limit
""")

GET_DEAD_LETTER: TextClause = text(f"SELECT {_COLUMNS} FROM dead_letters WHERE id = :id")

#: Lock one dead letter while its job is redriven (two operators cannot redrive it at once).
LOCK_DEAD_LETTER: TextClause = text(f"SELECT {_COLUMNS} FROM dead_letters WHERE id = :id FOR UPDATE")

#: Dead letters a bulk redrive takes: matching, not redriven yet, with a job to run again.
LOCK_REDRIVABLE: TextClause = text(f"""
    SELECT id, job_id FROM dead_letters
    WHERE {_MATCHES} AND redriven_at IS NULL AND job_id IS NOT NULL
    ORDER BY id
    FOR UPDATE SKIP LOCKED
""")

#: Mark the dead letters of jobs that were reopened.
MARK_REDRIVEN: TextClause = text("""
    UPDATE dead_letters SET redriven_at = now()
    WHERE id = ANY(:ids)
""")

DELETE_DEAD_LETTER: TextClause = text("DELETE FROM dead_letters WHERE id = :id RETURNING id")

#: Purge: older than a cutoff (NULL: any age), and only redriven ones when asked.
PURGE_DEAD_LETTERS: TextClause = text("""
    DELETE FROM dead_letters
    WHERE (CAST(:before AS timestamptz) IS NULL OR created_at < CAST(:before AS timestamptz))
      AND (NOT CAST(:redriven_only AS boolean) OR redriven_at IS NOT NULL)
""")

#: Replay: finished jobs of one type created in a time window, with the statuses asked for.
FINISHED_IN_WINDOW: TextClause = text("""
    SELECT id, status, created_at FROM jobs
    WHERE type = :type AND created_at >= :since AND created_at < :until AND status = ANY(:statuses)
    ORDER BY created_at, id
""")

#: Replay: the status of some jobs (which can run again, which are still running).
JOB_STATUSES: TextClause = text("SELECT id, status FROM jobs WHERE id = ANY(:ids)")

#: Rebuild: is the target's jobs table there, and is it empty?
JOBS_TABLE_EXISTS: TextClause = text("SELECT to_regclass('jobs') IS NOT NULL")
COUNT_JOBS: TextClause = text("SELECT count(*) FROM jobs")
