"""Hand-written SQL for the hot paths (enqueue, reads, outbox, projector), named and kept together."""

from __future__ import annotations

from sqlalchemy import TextClause, text

#: A job's row and its job.requested outbox message in one statement (nothing when the row existed).
INSERT_JOB = text("""
    WITH j AS (
        INSERT INTO jobs (id, type, status, priority, payload, max_attempts, scheduled_for,
                          user_id, site_id, idempotency_key, parent_id, depends_on, created_at, updated_at,
                          dispatched_at)
        VALUES (:id, :type, 'PENDING', :priority, CAST(:payload AS jsonb), :max_attempts,
                :scheduled_for, :user_id, :site_id, :idempotency_key, :parent_id,
                CAST(:depends_on AS uuid[]), :created_at, :created_at, :dispatched_at)
        ON CONFLICT DO NOTHING
        RETURNING id),
    o AS (INSERT INTO outbox (topic, key, value) SELECT :topic, :key, :value FROM j)
    SELECT id FROM j
""")

#: Many plain jobs (no site, dependency, parent or idempotency key) in one statement.
INSERT_PLAIN_JOBS = text("""
    INSERT INTO jobs (id, type, status, priority, payload, max_attempts, scheduled_for, user_id,
                      created_at, updated_at)
    SELECT k.id, k.type, 'PENDING', k.priority, k.payload, k.max_attempts, k.scheduled_for, k.user_id,
           k.created_at, k.created_at
    FROM unnest(CAST(:ids AS uuid[]), CAST(:types AS text[]), CAST(:priorities AS integer[]),
                CAST(:payloads AS jsonb[]), CAST(:max_attempts AS integer[]),
                CAST(:scheduled_for AS timestamptz[]), CAST(:user_ids AS uuid[]),
                CAST(:created_at AS timestamptz[]))
         AS k(id, type, priority, payload, max_attempts, scheduled_for, user_id, created_at)
    ON CONFLICT DO NOTHING
    RETURNING id
""")

FIND_BY_IDEMPOTENCY_KEY = text("""
    SELECT id FROM jobs
    WHERE user_id = :user_id AND idempotency_key = :key AND created_at > now() - interval '24 hours'
""")

#: The job a key names within 24 hours, if any; an older use of the key is forgotten in the same
#: statement (after 24 hours the key is free for a new job).
CLAIM_IDEMPOTENCY_KEY = text("""
    WITH expired AS (
        UPDATE jobs SET idempotency_key = NULL
        WHERE user_id = :user_id AND idempotency_key = :key AND created_at <= now() - interval '24 hours')
    SELECT id FROM jobs
    WHERE user_id = :user_id AND idempotency_key = :key AND created_at > now() - interval '24 hours'
""")

#: A site (of an owner, when :owner is set) and the plan of the user a job is for, in one read.
SITE_AND_PLAN = text("""
    SELECT s.id, (SELECT u.plan FROM users u WHERE u.id = CAST(:user_id AS uuid)) FROM sites s
    WHERE s.id = :site_id AND (CAST(:owner AS uuid) IS NULL OR s.user_id = CAST(:owner AS uuid))
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

#: The projector's insert of the jobs it has not seen (a rebuild from the topics), from their
#: job.requested events, one statement per batch. An owner or site that no longer exists (deleted
#: since, or absent from the database a rebuild writes into) is stored as NULL, as ON DELETE SET
#: NULL does. Of two requests of one job in a batch the first is kept (DO NOTHING).
PROJECT_REQUESTED = text("""
    INSERT INTO jobs (id, type, status, priority, payload, max_attempts, scheduled_for, user_id,
                      site_id, idempotency_key, parent_id, depends_on, created_at, updated_at,
                      last_seq, series)
    SELECT k.id, k.type, 'PENDING', k.priority, k.payload, k.max_attempts, k.scheduled_for, u.id, s.id,
           k.idempotency_key, k.parent_id, CAST(k.depends_on AS uuid[]), k.created_at, k.created_at,
           k.seq, k.series
    FROM unnest(CAST(:ids AS uuid[]), CAST(:types AS text[]), CAST(:priorities AS integer[]),
                CAST(:payloads AS jsonb[]), CAST(:max_attempts AS integer[]),
                CAST(:scheduled_for AS timestamptz[]), CAST(:user_ids AS uuid[]),
                CAST(:site_ids AS uuid[]), CAST(:idempotency_keys AS text[]),
                CAST(:parent_ids AS uuid[]), CAST(:depends_on AS text[]),
                CAST(:created_at AS timestamptz[]), CAST(:seqs AS bigint[]), CAST(:series AS integer[]))
         WITH ORDINALITY AS k(id, type, priority, payload, max_attempts, scheduled_for, user_id, site_id,
                              idempotency_key, parent_id, depends_on, created_at, seq, series, n)
    LEFT JOIN users u ON u.id = k.user_id
    LEFT JOIN sites s ON s.id = k.site_id
    ORDER BY k.n
    ON CONFLICT (id) DO NOTHING
""")

#: The columns a projected event may set besides status, last_seq and updated_at, in the order of
#: their bit in PROJECT_CHANGES's :masks (bit i set: the row takes column i's new value).
PROJECTED_COLUMNS = (
    "attempts",
    "started_at",
    "error",
    "progress",
    "result",
    "completed_at",
    "scheduled_for",
    "dead_lettered",
    "series",
)
_PROJECTED_TYPES = (
    "integer",
    "timestamptz",
    "text",
    "smallint",
    "jsonb",
    "timestamptz",
    "timestamptz",
    "boolean",
    "integer",
)
_SETS = ",\n        ".join(
    f"{c} = CASE WHEN v.mask & {1 << i} <> 0 THEN v.{c} ELSE j.{c} END"
    for i, c in enumerate(PROJECTED_COLUMNS)
)
_ARRAYS = ", ".join(f"CAST(:{c} AS {t}[])" for c, t in zip(PROJECTED_COLUMNS, _PROJECTED_TYPES, strict=True))

#: The projector's update of a batch's changed rows: one statement, each row's net change (the
#: events of a job folded in order, under the row locks JOB_STATES took); never backwards.
PROJECT_CHANGES = text(f"""
    UPDATE jobs j SET status = v.status, last_seq = v.last_seq, updated_at = v.updated_at,
        {_SETS}
    FROM unnest(CAST(:ids AS uuid[]), CAST(:statuses AS text[]), CAST(:last_seqs AS bigint[]),
                CAST(:updated_at AS timestamptz[]), CAST(:masks AS integer[]), {_ARRAYS})
         AS v(id, status, last_seq, updated_at, mask, {", ".join(PROJECTED_COLUMNS)})
    WHERE j.id = v.id AND j.last_seq < v.last_seq
""")

#: Counts per status from the trigger-kept counts and the deltas not folded yet (no scan of jobs).
JOB_STATS_OF_USER = text("""
    SELECT status, sum(n) FROM (
        SELECT status, n FROM job_counts WHERE user_id = :user_id
        UNION ALL SELECT status, n FROM job_count_deltas WHERE user_id = :user_id) c
    GROUP BY status
""")
JOB_STATS_ALL = text("""
    SELECT status, sum(n) FROM (
        SELECT status, n FROM job_counts UNION ALL SELECT status, n FROM job_count_deltas) c
    GROUP BY status
""")

#: Move the count deltas into job_counts, one folder at a time (another skips its turn). Deltas a
#: transaction still open has written stay for the next fold.
FOLD_JOB_COUNTS = text("""
    WITH turn AS (SELECT pg_try_advisory_xact_lock(7160001) AS mine),
    moved AS (DELETE FROM job_count_deltas WHERE (SELECT mine FROM turn) RETURNING user_id, type, status, n)
    INSERT INTO job_counts (user_id, type, status, n)
    SELECT user_id, type, status, sum(n) FROM moved GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (user_id, type, status) DO UPDATE SET n = job_counts.n + excluded.n
""")

#: The columns the API shows of a job, and of its lease (which worker runs it, its last heartbeat).
_JOB_COLUMNS = """j.id, j.type, j.status, j.priority, j.progress, j.payload, j.result, j.error, j.attempts,
    j.max_attempts, j.scheduled_for, j.started_at, j.completed_at, j.created_at, j.updated_at, j.user_id,
    j.site_id, j.depends_on, j.parent_id, j.cancel_requested_at, j.dead_lettered,
    l.worker AS lease_worker, l.state AS lease_state, l.heartbeat_at AS lease_heartbeat_at
    FROM jobs j LEFT JOIN job_leases l ON l.job_id = j.id"""
JOB_BY_ID = text(f"SELECT {_JOB_COLUMNS} WHERE j.id = :id")
JOB_BY_ID_OF_USER = text(f"SELECT {_JOB_COLUMNS} WHERE j.id = :id AND j.user_id = :user_id")

#: The list's filters, each one condition (bound by the parameter of the same name).
LIST_FILTERS = {
    "user_id": "j.user_id = :user_id",
    "type": "j.type = :type",
    "status": "j.status = :status",
    "site_id": "j.site_id = :site_id",
    "since": "j.created_at >= :since",
    "until": "j.created_at < :until",
    # Keyset: strictly older than the cursor's job in (created_at, id) order.
    "after": "j.created_at <= :after_created AND (j.created_at < :after_created OR j.id < :after_id)",
}
_LISTS: dict[frozenset[str], TextClause] = {}


def list_jobs(filters: frozenset[str]) -> TextClause:
    """The list statement for a set of LIST_FILTERS names: newest first, :limit rows."""
    statement = _LISTS.get(filters)
    if statement is None:
        where = " AND ".join(LIST_FILTERS[f] for f in sorted(filters)) or "true"
        statement = _LISTS[filters] = text(
            f"SELECT {_JOB_COLUMNS} WHERE {where} ORDER BY j.created_at DESC, j.id DESC LIMIT :limit"
        )
    return statement


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

#: The worker's view of a batch of jobs, each with the result stored for the series it was sent
#: with, if any (one round trip per batch).
WORKER_VIEWS_AND_RESULTS = text("""
    SELECT j.id, k.series AS asked_series, j.status, j.cancel_requested_at IS NOT NULL AS cancel_requested,
           j.series, j.last_seq, r.result AS stored
    FROM unnest(CAST(:ids AS uuid[]), CAST(:series AS integer[])) AS k(id, series)
    JOIN jobs j ON j.id = k.id
    LEFT JOIN job_results r ON r.job_id = k.id AND r.series = k.series
""")

DELETE_OLD_JOBS = text("""
    DELETE FROM jobs WHERE id IN (
        SELECT id FROM jobs
        WHERE status IN ('COMPLETED', 'FAILED', 'CANCELLED') AND completed_at < :before
        LIMIT :limit)
""")

#: Which (type, lane) pairs have jobs due for dispatch right now.
DUE_LANES = text("""
    SELECT type, CASE WHEN priority >= 8 THEN 'high' WHEN priority >= 4 THEN 'medium' ELSE 'low' END
    FROM jobs WHERE status = 'PENDING' AND dispatched_at IS NULL AND scheduled_for <= now()
    GROUP BY 1, 2
""")

#: Jobs of a lane sent to Kafka and not finished yet (they occupy the lane's window), per user.
INFLIGHT_BY_USER = text("""
    SELECT user_id, count(*) FROM jobs
    WHERE dispatched_at IS NOT NULL AND status IN ('PENDING', 'PROCESSING')
      AND type = ANY(:types) AND priority BETWEEN :lo AND :hi
    GROUP BY user_id
""")

#: Release up to :limit jobs of a lane, in one statement: the next jobs in fair order (priority,
#: then round robin across users, then age: a user's k-th waiting job ranks k places behind what
#: that user already has in flight in the lane, :busy_users/:busy_counts, so a user with nothing
#: running goes ahead of a flood's next job even when the round has room for one job only), locked
#: (skipping any another dispatcher holds) and marked dispatched. With :unpublished_first, a job
#: whose outbox messages (its job.requested) are not published yet waits for a later round: its
#: work message goes straight to Kafka and must not overtake them. Returns the released jobs in
#: that order.
RELEASE_LANE = text("""
    WITH fair AS (
        SELECT c.id, c.priority, c.user_rank + coalesce(b.running, 0) AS turn, c.scheduled_for,
               c.created_at
        FROM (
            SELECT j.id, j.user_id, j.priority, j.scheduled_for, j.created_at,
                   row_number() OVER (PARTITION BY j.user_id
                                      ORDER BY j.priority DESC, j.scheduled_for, j.created_at) AS user_rank
            FROM jobs j
            WHERE j.status = 'PENDING' AND j.dispatched_at IS NULL AND j.scheduled_for <= now()
              AND j.type = ANY(:types) AND j.priority BETWEEN :lo AND :hi
              AND NOT EXISTS (SELECT 1 FROM jobs d WHERE d.id = ANY(j.depends_on) AND d.status <> 'COMPLETED')
        ) c
        LEFT JOIN unnest(CAST(:busy_users AS uuid[]), CAST(:busy_counts AS integer[])) AS b(user_id, running)
               ON b.user_id IS NOT DISTINCT FROM c.user_id
        ORDER BY c.priority DESC, turn, c.scheduled_for, c.created_at, c.id
        LIMIT :limit
    ), chosen AS (
        SELECT j.id, j.type, j.priority, j.payload, j.max_attempts, j.user_id, j.site_id, j.series,
               j.scheduled_for, j.created_at, fair.turn
        FROM jobs j JOIN fair ON fair.id = j.id
        WHERE j.status = 'PENDING' AND j.dispatched_at IS NULL
          AND NOT (:unpublished_first AND EXISTS (
              SELECT 1 FROM outbox o WHERE o.key = convert_to(CAST(j.id AS text), 'UTF8')))
        FOR UPDATE OF j SKIP LOCKED
    ), marked AS (
        UPDATE jobs j SET dispatched_at = now(), updated_at = now()
        FROM chosen WHERE j.id = chosen.id
        RETURNING j.id
    )
    SELECT chosen.* FROM chosen JOIN marked ON marked.id = chosen.id
    ORDER BY chosen.priority DESC, chosen.turn, chosen.scheduled_for, chosen.created_at, chosen.id
""")

#: Waiting jobs one of whose dependencies failed or was cancelled: they will never run.
DOOMED_DEPENDENTS = text("""
    SELECT j.id, j.type, j.series, j.attempts, d.id AS dep_id, d.status AS dep_status
    FROM jobs j
    JOIN LATERAL (SELECT id, status FROM jobs d WHERE d.id = ANY(j.depends_on)
                  AND d.status IN ('FAILED', 'CANCELLED') LIMIT 1) d ON true
    WHERE j.status = 'PENDING' AND j.dispatched_at IS NULL AND cardinality(j.depends_on) > 0
    LIMIT :limit
    FOR UPDATE OF j SKIP LOCKED
""")

#: When the next scheduled job falls due (None: nothing scheduled).
NEXT_DUE = text("""
    SELECT min(scheduled_for) FROM jobs
    WHERE status = 'PENDING' AND dispatched_at IS NULL AND scheduled_for > now()
""")

#: Finished jobs to reopen as a new attempt series (a redrive or a reprocess).
LOCK_FINISHED = text("""
    SELECT id, type, priority, payload, max_attempts, user_id, site_id, series, idempotency_key,
           parent_id, depends_on, created_at
    FROM jobs WHERE id = ANY(:ids) AND status IN ('COMPLETED', 'FAILED', 'CANCELLED')
    FOR UPDATE
""")

#: Reopen one job: PENDING again, a new series, nothing of the last series' run state.
REOPEN = text("""
    UPDATE jobs SET status = 'PENDING', series = :series, last_seq = :seq, attempts = 0, progress = 0,
                    result = NULL, started_at = NULL, completed_at = NULL, dispatched_at = NULL,
                    cancel_requested_at = NULL, dead_lettered = false, scheduled_for = now(),
                    updated_at = now()
    WHERE id = :id
""")
