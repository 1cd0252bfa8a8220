-- 006_sweeper.sql -- the runs stuck in pending (no progress for a while): what storage's sweeper re-enqueues or fails.

-- The current runs still pending whose last sign of progress (the run's start, an LLM error, an attempt) is
-- older than at - stuck_after, oldest first, at most max_rows; requeued = how many runs of the question
-- before this one were re-enqueued as stuck in a row (the sweeper's count, reset by any other run).
CREATE FUNCTION qaflow_stuck_runs(stuck_after interval, at timestamptz, max_rows integer)
RETURNS TABLE (question_id text, run integer, requeued integer, last_progress timestamptz)
LANGUAGE sql STABLE AS $$
    WITH cur AS (
        SELECT q.question_id, q.run,
               GREATEST(u.started_at,
                        (SELECT max(e.occurred_at) FROM llm_errors e WHERE e.question_id = q.question_id AND e.run = q.run),
                        (SELECT max(COALESCE(a.scored_at, a.llm_finished_at, a.llm_started_at)) FROM attempts a
                         WHERE a.question_id = q.question_id AND a.run = q.run)) AS last_progress
        FROM questions q JOIN runs u ON u.question_id = q.question_id AND u.run = q.run
        WHERE q.status = 'pending'
    )
    SELECT c.question_id, c.run,
           (SELECT count(*)::integer FROM runs r
            WHERE r.question_id = c.question_id AND r.run < c.run AND r.failed_reason = 'stuck: re-enqueued'
              AND NOT EXISTS (SELECT 1 FROM runs x WHERE x.question_id = c.question_id AND x.run > r.run
                              AND x.run < c.run AND x.failed_reason IS DISTINCT FROM 'stuck: re-enqueued')),
           c.last_progress
    FROM cur c
    WHERE c.last_progress < at - stuck_after
    ORDER BY c.last_progress
    LIMIT max_rows
$$;

-- Ends a stuck run that was re-enqueued enough: the question and the run fail with reason 'stuck'
-- (only while the run is still the question's pending one). Returns 1 when it did, else 0.
CREATE FUNCTION qaflow_fail_stuck(p_question_id text, p_run integer, p_at timestamptz)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    n integer;
BEGIN
    UPDATE questions SET status = 'failed', failed_reason = 'stuck', failed_stage = 'storage', updated_at = p_at
    WHERE question_id = p_question_id AND run = p_run AND status = 'pending';
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        UPDATE runs SET status = 'failed', failed_reason = 'stuck', failed_stage = 'storage', finished_at = p_at
        WHERE question_id = p_question_id AND run = p_run AND status = 'pending';
    END IF;
    RETURN n;
END
$$;
