-- 005_analysis.sql -- the seed's metrics per period: functions analysis_*(since, until) and their all-time views.
--
-- A period is [since, until): NULL means unbounded on that side. The unit is a run (sql/004_runs.sql:
-- a question asked again is a new run): a run belongs to a period by its completion time
-- (responses.completed_at) or, when it failed, runs.finished_at; a pending run by runs.started_at; an
-- LLM error by llm_errors.occurred_at. Every join between event tables is on (question_id, run), so
-- runs never mix; unknown durations (NULL) are left out of the samples. Used by ./qaflow report
-- (docs/report.md) and the console's analysis page.

-- When the response row was written (the storage transaction's time): the end of end_to_end_persisted.
-- Rows written before this migration have none; analysis_e2e_persisted falls back to the end of the
-- accepted attempt's persistence stage.
ALTER TABLE responses ADD COLUMN persisted_at timestamptz;
ALTER TABLE responses ALTER COLUMN persisted_at SET DEFAULT now();
CREATE INDEX responses_completed_at_idx ON responses (completed_at);
CREATE INDEX llm_errors_occurred_at_idx ON llm_errors (occurred_at);

-- analysis_in_period(t, since, until): t lies in [since, until); NULL bounds are open.
CREATE FUNCTION analysis_in_period(t timestamptz, since timestamptz, until timestamptz)
RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT (since IS NULL OR t >= since) AND (until IS NULL OR t < until)
$$;

-- The runs of a period: one row per (question, run) with its status and the time that places it there.
CREATE FUNCTION analysis_questions(since timestamptz, until timestamptz)
RETURNS TABLE (question_id text, status text, at timestamptz, run integer) LANGUAGE sql STABLE AS $$
    SELECT r.question_id, 'completed', r.completed_at, r.run
    FROM responses r
    WHERE analysis_in_period(r.completed_at, since, until)
    UNION ALL
    SELECT u.question_id, u.status, CASE u.status WHEN 'failed' THEN u.finished_at ELSE u.started_at END, u.run
    FROM runs u
    WHERE u.status IN ('failed', 'pending')
      AND analysis_in_period(CASE u.status WHEN 'failed' THEN u.finished_at ELSE u.started_at END, since, until)
$$;

-- The completed questions of a period: first attempt's score (as regeneration_analysis) vs the accepted one.
CREATE FUNCTION analysis_completed(since timestamptz, until timestamptz)
RETURNS TABLE (question_id text, processing_attempts integer, first_score double precision,
               final_score double precision, accepted_below_threshold boolean, completed_at timestamptz,
               run integer)
LANGUAGE sql STABLE AS $$
    SELECT r.question_id, r.processing_attempts, COALESCE(r.first_score, a1.bert_score, r.bert_score),
           r.bert_score, r.accepted_below_threshold, r.completed_at, r.run
    FROM responses r
    LEFT JOIN attempts a1 ON a1.question_id = r.question_id AND a1.run = r.run AND a1.attempt_no = 1
    WHERE analysis_in_period(r.completed_at, since, until)
$$;

-- The pipeline's latency stages in report order (processing_metrics' five, then the two end-to-end ones).
CREATE FUNCTION analysis_stages()
RETURNS TABLE (stage text, ord integer) LANGUAGE sql IMMUTABLE AS $$
    SELECT s, o::integer FROM unnest(ARRAY['queue', 'retry_wait', 'llm', 'scoring', 'persistence',
                                           'end_to_end_produced', 'end_to_end_persisted']) WITH ORDINALITY AS t(s, o)
$$;

-- End to end until persisted, per completed run of the period: the run's start -> response row written.
CREATE FUNCTION analysis_e2e_persisted(since timestamptz, until timestamptz)
RETURNS TABLE (question_id text, ms bigint, run integer) LANGUAGE sql STABLE AS $$
    SELECT r.question_id,
           GREATEST(0, round(extract(epoch FROM COALESCE(r.persisted_at, pm.finished_at)
                                                - COALESCE(r.created_at, u.started_at)) * 1000))::bigint,
           r.run
    FROM responses r
    LEFT JOIN runs u ON u.question_id = r.question_id AND u.run = r.run
    LEFT JOIN processing_metrics pm ON pm.question_id = r.question_id AND pm.run = r.run
         AND pm.attempt_no = r.processing_attempts AND pm.stage = 'persistence'
    WHERE analysis_in_period(r.completed_at, since, until)
      AND COALESCE(r.persisted_at, pm.finished_at) IS NOT NULL
      AND COALESCE(r.created_at, u.started_at) IS NOT NULL
$$;

-- 1. Score histogram: first attempts vs final (accepted) attempts of completed questions, bins over [0,1].
CREATE FUNCTION analysis_score_histogram(since timestamptz, until timestamptz, bins integer DEFAULT 20)
RETURNS TABLE (bin integer, bin_low double precision, bin_high double precision,
               first_count bigint, final_count bigint)
LANGUAGE sql STABLE AS $$
    WITH c AS (SELECT * FROM analysis_completed(since, until)),
    b AS (SELECT g AS bin FROM generate_series(1, GREATEST(bins, 1)) g),
    f AS (SELECT LEAST(GREATEST(floor(first_score * GREATEST(bins, 1))::integer + 1, 1), GREATEST(bins, 1)) AS bin,
                 LEAST(GREATEST(floor(final_score * GREATEST(bins, 1))::integer + 1, 1), GREATEST(bins, 1)) AS fbin
          FROM c)
    SELECT b.bin,
           (b.bin - 1)::double precision / GREATEST(bins, 1),
           b.bin::double precision / GREATEST(bins, 1),
           (SELECT count(*) FROM f WHERE f.bin = b.bin),
           (SELECT count(*) FROM f WHERE f.fbin = b.bin)
    FROM b ORDER BY b.bin
$$;

-- 2. Throughput per minute: completed and failed questions, every minute between the first and the last.
CREATE FUNCTION analysis_throughput(since timestamptz, until timestamptz)
RETURNS TABLE (minute timestamptz, completed bigint, failed bigint) LANGUAGE sql STABLE AS $$
    WITH e AS (SELECT date_trunc('minute', at) AS m, status FROM analysis_questions(since, until)
               WHERE status IN ('completed', 'failed')),
    g AS (SELECT generate_series(min(m), max(m), interval '1 minute') AS m FROM e)
    SELECT g.m, count(e.m) FILTER (WHERE e.status = 'completed'), count(e.m) FILTER (WHERE e.status = 'failed')
    FROM g LEFT JOIN e ON e.m = g.m
    GROUP BY g.m ORDER BY g.m
$$;

-- 3. Latency percentiles per stage (every stage listed; samples 0 and NULL figures when it has none).
-- The five processing_metrics stages of the period's completed and failed questions; end_to_end_produced
-- is today's end_to_end (responses.total_processing_time_ms: acceptance -> validated message produced);
-- end_to_end_persisted: acceptance -> response row written.
CREATE FUNCTION analysis_latency(since timestamptz, until timestamptz)
RETURNS TABLE (stage text, samples bigint, p50_ms numeric, p95_ms numeric, p99_ms numeric,
               avg_ms numeric, max_ms bigint)
LANGUAGE sql STABLE AS $$
    WITH s AS (
        SELECT pm.stage, pm.duration_ms::double precision AS ms
        FROM processing_metrics pm
        JOIN analysis_questions(since, until) q ON q.question_id = pm.question_id AND q.run = pm.run
             AND q.status <> 'pending'
        WHERE pm.duration_ms IS NOT NULL
        UNION ALL
        SELECT 'end_to_end_produced', r.total_processing_time_ms::double precision
        FROM responses r
        WHERE analysis_in_period(r.completed_at, since, until) AND r.total_processing_time_ms IS NOT NULL
        UNION ALL
        SELECT 'end_to_end_persisted', ms::double precision FROM analysis_e2e_persisted(since, until)
    ),
    a AS (
        SELECT stage, count(*) AS n,
               round(percentile_cont(0.50) WITHIN GROUP (ORDER BY ms)::numeric, 1) AS p50,
               round(percentile_cont(0.95) WITHIN GROUP (ORDER BY ms)::numeric, 1) AS p95,
               round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1) AS p99,
               round(avg(ms)::numeric, 1) AS av,
               max(ms)::bigint AS mx
        FROM s GROUP BY stage
    )
    SELECT st.stage, COALESCE(a.n, 0), a.p50, a.p95, a.p99, a.av, a.mx
    FROM analysis_stages() st LEFT JOIN a ON a.stage = st.stage
    ORDER BY st.ord
$$;

-- 4. Regeneration rate per hour: completed questions, those that needed more than one attempt, the share.
CREATE FUNCTION analysis_regeneration_per_hour(since timestamptz, until timestamptz)
RETURNS TABLE (hour timestamptz, completed bigint, regenerated bigint, rate double precision)
LANGUAGE sql STABLE AS $$
    WITH c AS (SELECT date_trunc('hour', completed_at) AS h, processing_attempts
               FROM analysis_completed(since, until)),
    g AS (SELECT generate_series(min(h), max(h), interval '1 hour') AS h FROM c),
    a AS (SELECT g.h, count(c.h) AS n, count(c.h) FILTER (WHERE c.processing_attempts > 1) AS rg
          FROM g LEFT JOIN c ON c.h = g.h GROUP BY g.h)
    SELECT h, n, rg, CASE WHEN n > 0 THEN rg::double precision / n END FROM a ORDER BY h
$$;

-- 5. Errors by type and HTTP status (as error_distribution, for the errors that occurred in the period).
CREATE FUNCTION analysis_errors(since timestamptz, until timestamptz)
RETURNS TABLE (error_type text, http_status integer, occurrences bigint, questions bigint,
               percentage numeric, avg_delay_ms bigint)
LANGUAGE sql STABLE AS $$
    SELECT e.error_type, e.http_status, count(*), count(DISTINCT e.question_id),
           round(100.0 * count(*) / sum(count(*)) OVER (), 2),
           round(avg(e.delay_applied_ms))::bigint
    FROM llm_errors e
    WHERE analysis_in_period(e.occurred_at, since, until)
    GROUP BY e.error_type, e.http_status
    ORDER BY count(*) DESC, e.error_type, e.http_status
$$;

-- 6. Attempts distribution: completed questions per number of scored attempts.
CREATE FUNCTION analysis_attempts(since timestamptz, until timestamptz)
RETURNS TABLE (processing_attempts integer, questions bigint) LANGUAGE sql STABLE AS $$
    SELECT c.processing_attempts, count(*) FROM analysis_completed(since, until) c
    GROUP BY c.processing_attempts ORDER BY c.processing_attempts
$$;

-- 7. Transport retries, one row per overload/quota error of the period: the delay the seed's formula gives
-- (overload 2^n s, n = error_retries, the transport retries already made for that attempt; quota 60 s
-- unless the LLM sent Retry-After, which llm_errors does not keep), the delay qaflow-retry applied (NULL:
-- dead-lettered), and the delay observed: from the error to the next LLM call of that attempt (the next
-- error's time, else the attempt's llm_started_at; NULL when there was none).
CREATE FUNCTION analysis_retry_events(since timestamptz, until timestamptz)
RETURNS TABLE (question_id text, error_type text, http_status integer, retry_count integer,
               error_retries integer, occurred_at timestamptz, formula_ms bigint, applied_ms bigint,
               observed_ms bigint)
LANGUAGE sql STABLE AS $$
    SELECT e.question_id, e.error_type, e.http_status, e.retry_count, e.error_retries, e.occurred_at,
           CASE e.error_type WHEN 'overload' THEN (1000 * 2 ^ e.error_retries)::bigint ELSE 60000 END,
           e.delay_applied_ms,
           round(extract(epoch FROM COALESCE(
               (SELECT min(n.occurred_at) FROM llm_errors n
                WHERE n.question_id = e.question_id AND n.run = e.run AND n.retry_count = e.retry_count
                  AND n.error_retries = e.error_retries + 1),
               (SELECT a.llm_started_at FROM attempts a
                WHERE a.question_id = e.question_id AND a.run = e.run AND a.attempt_no = e.retry_count + 1))
               - e.occurred_at) * 1000)::bigint
    FROM llm_errors e
    WHERE e.error_type IN ('overload', 'quota') AND analysis_in_period(e.occurred_at, since, until)
$$;

-- The same per error type and retry number n.
CREATE FUNCTION analysis_retry_delays(since timestamptz, until timestamptz)
RETURNS TABLE (error_type text, error_retries integer, samples bigint, formula_ms bigint,
               applied_avg_ms bigint, observed_samples bigint, observed_p50_ms numeric,
               observed_avg_ms numeric, observed_max_ms bigint)
LANGUAGE sql STABLE AS $$
    SELECT r.error_type, r.error_retries, count(*), min(r.formula_ms), round(avg(r.applied_ms))::bigint,
           count(r.observed_ms),
           round((percentile_cont(0.5) WITHIN GROUP (ORDER BY r.observed_ms))::numeric, 1),
           round(avg(r.observed_ms)::numeric, 1),
           max(r.observed_ms)
    FROM analysis_retry_events(since, until) r
    GROUP BY r.error_type, r.error_retries ORDER BY r.error_type, r.error_retries
$$;

-- 8. One row: the seed's headline figures for the period.
-- success_rate = completed / (completed + failed); share_regenerated = completed with more than one
-- attempt / completed; llm_calls = scored attempts + LLM errors (each a call that failed) of the period's
-- completed and failed questions, llm_calls_per_question = llm_calls / (completed + failed);
-- mean_improvement = mean of final - first over the regenerated questions (the seed's query).
CREATE FUNCTION analysis_summary(since timestamptz, until timestamptz)
RETURNS TABLE (questions bigint, completed bigint, failed bigint, pending bigint,
               success_rate double precision, share_regenerated double precision,
               llm_calls_per_question double precision, mean_first_score double precision,
               mean_final_score double precision, mean_improvement double precision,
               regenerated bigint, llm_calls bigint, llm_errors bigint)
LANGUAGE sql STABLE AS $$
    WITH q AS (SELECT * FROM analysis_questions(since, until)),
    c AS (SELECT * FROM analysis_completed(since, until)),
    done AS (SELECT question_id, run FROM q WHERE status <> 'pending'),
    n AS (SELECT count(*) FILTER (WHERE status = 'completed') AS completed,
                 count(*) FILTER (WHERE status = 'failed') AS failed,
                 count(*) FILTER (WHERE status = 'pending') AS pending,
                 count(*) AS questions FROM q),
    calls AS (SELECT (SELECT count(*) FROM attempts a JOIN done USING (question_id, run)) AS attempts,
                     (SELECT count(*) FROM llm_errors e JOIN done USING (question_id, run)) AS errors),
    s AS (SELECT count(*) FILTER (WHERE processing_attempts > 1) AS regenerated,
                 avg(first_score) AS mfirst, avg(final_score) AS mfinal,
                 avg(final_score - first_score) FILTER (WHERE processing_attempts > 1) AS mimp
          FROM c)
    SELECT n.questions, n.completed, n.failed, n.pending,
           CASE WHEN n.completed + n.failed > 0 THEN n.completed::double precision / (n.completed + n.failed) END,
           CASE WHEN n.completed > 0 THEN s.regenerated::double precision / n.completed END,
           CASE WHEN n.completed + n.failed > 0
                THEN (calls.attempts + calls.errors)::double precision / (n.completed + n.failed) END,
           s.mfirst, s.mfinal, s.mimp, s.regenerated, calls.attempts + calls.errors, calls.errors
    FROM n, s, calls
$$;

-- All-time views for psql users (each = its function over all time).
CREATE VIEW success_rate AS
    SELECT completed, failed, success_rate FROM analysis_summary(NULL, NULL);
CREATE VIEW share_regenerated AS
    SELECT completed, regenerated, share_regenerated FROM analysis_summary(NULL, NULL);
CREATE VIEW llm_calls_per_question AS
    SELECT completed + failed AS questions, llm_calls, llm_calls_per_question FROM analysis_summary(NULL, NULL);
CREATE VIEW throughput_per_minute AS
    SELECT * FROM analysis_throughput(NULL, NULL);
CREATE VIEW regenerations_per_hour AS
    SELECT * FROM analysis_regeneration_per_hour(NULL, NULL);
