"""Hand-written SQL of job leases: claim, hold, take, heartbeat, finish, release, restart."""

from __future__ import annotations

from sqlalchemy import text

#: Claim a batch of work messages. Each job is checked against its row (not finished, not redriven
#: past, this attempt not ended, no result stored for its series, no cancel requested) and leased to
#: this worker, running or held, unless a lease of the same or a later attempt exists already (the
#: job runs or waits elsewhere, or here: a duplicate message). Returns every asked job's view and
#: whether this call leased it.
CLAIM = text("""
    WITH k AS (
        SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:series AS integer[]),
                             CAST(:attempts AS integer[]), CAST(:finals AS bigint[]),
                             CAST(:states AS text[]), CAST(:ranks AS integer[]),
                             CAST(:requests AS bytea[]), CAST(:topics AS text[]),
                             CAST(:partitions AS integer[]), CAST(:offsets AS bigint[]))
             AS k(id, series, attempt, final, state, rank, request, topic, part, off)
    ), v AS (
        SELECT k.*, j.status, j.cancel_requested_at IS NOT NULL AS cancel_requested,
               j.series AS job_series, j.last_seq, r.result AS stored
        FROM k JOIN jobs j ON j.id = k.id
        LEFT JOIN job_results r ON r.job_id = k.id AND r.series = k.series
    ), c AS (
        INSERT INTO job_leases AS l (job_id, series, attempt, service, rank, state, worker, request,
                                     topic, partition, "offset")
        SELECT id, series, attempt, :service, rank, state, :worker, request, topic, part, off FROM v
        WHERE status IN ('PENDING', 'PROCESSING') AND job_series <= series AND last_seq < final
          AND stored IS NULL AND NOT cancel_requested
        ON CONFLICT (job_id) DO UPDATE SET
            series = EXCLUDED.series, attempt = EXCLUDED.attempt, service = EXCLUDED.service,
            rank = EXCLUDED.rank, state = EXCLUDED.state, worker = EXCLUDED.worker,
            request = EXCLUDED.request, topic = EXCLUDED.topic, partition = EXCLUDED.partition,
            "offset" = EXCLUDED."offset", since = now(), heartbeat_at = now()
        WHERE (l.series, l.attempt) < (EXCLUDED.series, EXCLUDED.attempt)
        RETURNING job_id
    )
    SELECT v.id, v.series AS asked_series, v.status, v.cancel_requested, v.job_series AS series,
           v.last_seq, v.stored, c.job_id IS NOT NULL AS claimed
    FROM v LEFT JOIN c ON c.job_id = v.id
""")

#: Take held jobs of the service to run here (any worker's: a busy worker holds what it cannot run
#: yet), highest lane first or, with :by_age, oldest first; with each its job's current view.
TAKE_HELD = text("""
    WITH h AS (
        SELECT job_id FROM job_leases
        WHERE service = :service AND state = 'held'
        ORDER BY CASE WHEN :by_age THEN 0 ELSE rank END, since
        LIMIT :n
        FOR UPDATE SKIP LOCKED
    ), t AS (
        UPDATE job_leases l SET state = 'running', worker = :worker, since = now(), heartbeat_at = now()
        FROM h WHERE l.job_id = h.job_id
        RETURNING l.job_id, l.series, l.attempt, l.rank, l.request, l.topic, l.partition, l."offset"
    )
    SELECT t.*, j.status, j.cancel_requested_at IS NOT NULL AS cancel_requested,
           j.series AS job_series, j.last_seq, r.result AS stored
    FROM t JOIN jobs j ON j.id = t.job_id
    LEFT JOIN job_results r ON r.job_id = t.job_id AND r.series = t.series
""")

#: Renew the leases of the jobs this worker runs; returns the leases still held, each with whether
#: its job's cancellation was requested. A lease missing from the answer was taken away (the job
#: was restarted elsewhere): its run is fenced. A lease of this worker that no run of it stands
#: behind is not renewed, so it goes stale and is restarted. (Finished runs' leases are released
#: just before, in the same heartbeat.)
HEARTBEAT = text("""
    UPDATE job_leases l SET heartbeat_at = now()
    FROM jobs j
    WHERE l.worker = :worker AND l.state <> 'held' AND l.job_id = ANY(:ids) AND j.id = l.job_id
    RETURNING l.job_id, l.series, l.attempt, j.cancel_requested_at IS NOT NULL AS cancel_requested
""")

#: Whether this worker still holds one attempt's lease (checked before a failure is reported).
HOLDS = text("""
    SELECT 1 FROM job_leases
    WHERE job_id = :id AND series = :series AND attempt = :attempt AND worker = :worker
""")

#: Store the results of runs that finished together, but only of those whose lease this worker
#: still holds (a fenced run stores nothing). Returns the stored ones. The leases are locked, not
#: written: the dispatcher's watch skips a locked lease, so none is dropped while its result is
#: stored, and the worker releases them once job.completed is acknowledged (see job_pool.py).
STORE_RESULTS = text("""
    WITH k AS (
        SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:series AS integer[]),
                             CAST(:attempts AS integer[]), CAST(:results AS jsonb[]))
             AS k(id, series, attempt, result)
    ), mine AS (
        SELECT l.job_id FROM job_leases l JOIN k
            ON l.job_id = k.id AND l.series = k.series AND l.attempt = k.attempt
        WHERE l.worker = :worker AND l.state = 'running'
        FOR SHARE OF l
    ), stored AS (
        INSERT INTO job_results (job_id, series, attempt, result)
        SELECT k.id, k.series, k.attempt, k.result FROM k JOIN mine ON mine.job_id = k.id
        ON CONFLICT (job_id, series) DO NOTHING
    )
    SELECT job_id FROM mine
""")

#: Drop finished attempts' leases (their terminal events are acknowledged).
RELEASE = text("""
    DELETE FROM job_leases l
    USING unnest(CAST(:ids AS uuid[]), CAST(:series AS integer[]), CAST(:attempts AS integer[]))
          AS k(id, series, attempt)
    WHERE l.job_id = k.id AND l.series = k.series AND l.attempt = k.attempt AND l.worker = :worker
""")

#: Leases whose worker stopped renewing them (it died or hangs), oldest first, locked for the
#: dispatcher's round; each with its job's state, and the row's columns that rebuild a first
#: attempt's work message when the lease has none.
STALE_LEASES = text("""
    SELECT l.job_id, l.series, l.attempt, l.state, l.worker, l.request, l.topic, l.heartbeat_at,
           j.status, j.last_seq, j.type, j.id, j.payload, j.priority, j.max_attempts, j.user_id,
           j.site_id, j.scheduled_for, j.created_at
    FROM job_leases l JOIN jobs j ON j.id = l.job_id
    WHERE l.state <> 'held' AND l.heartbeat_at < now() - make_interval(secs => :stale_s)
    ORDER BY l.heartbeat_at
    LIMIT :limit
    FOR UPDATE OF l SKIP LOCKED
""")

DROP_LEASE = text("DELETE FROM job_leases WHERE job_id = :id AND series = :series AND attempt = :attempt")

#: The worker and last heartbeat of running jobs (the status API and the dashboard show them).
LEASES_OF = text("""
    SELECT job_id, worker, state, heartbeat_at, since FROM job_leases WHERE job_id = ANY(:ids)
""")

#: A stopping worker's running leases, made stale at once so that their jobs restart elsewhere now.
HAND_BACK = text("""
    UPDATE job_leases SET heartbeat_at = to_timestamp(0) WHERE worker = :worker AND state <> 'held'
""")

#: A job this worker has no slot for after all (another message took it meanwhile), or could not
#: start: held again, with its work message (a running first attempt's lease had none).
PUT_BACK = text("""
    UPDATE job_leases SET state = 'held', request = COALESCE(request, :request)
    WHERE job_id = :id AND series = :series AND attempt = :attempt AND worker = :worker
""")
