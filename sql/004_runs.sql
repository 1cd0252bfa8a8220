-- 004_runs.sql -- runs: every (re)enqueue of a question is a numbered run; event tables keyed by (question_id, run, ...).
-- A question's first ask is run 1; a re-ask after failure (or a re-enqueue of a stuck run) is the next run.
-- questions holds the current run and its status; runs keeps every run for the record.
-- Rows written before this migration belong to run 1.

ALTER TABLE questions ADD COLUMN run integer NOT NULL DEFAULT 1 CHECK (run >= 1);

CREATE TABLE runs (
    question_id   text NOT NULL,
    run           integer NOT NULL CHECK (run >= 1),
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'completed', 'failed')),
    failed_reason text,
    failed_stage  text CHECK (failed_stage IN ('storage', 'llm', 'retry', 'score')),
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    PRIMARY KEY (question_id, run)
);
INSERT INTO runs (question_id, run, status, failed_reason, failed_stage, started_at, finished_at)
SELECT question_id, 1, status, failed_reason, failed_stage, created_at,
       CASE WHEN status <> 'pending' THEN updated_at END
FROM questions;

-- One result per completed run. total_processing_time_ms is NULL when the run's start is not known.
ALTER TABLE responses ADD COLUMN run integer NOT NULL DEFAULT 1 CHECK (run >= 1);
ALTER TABLE responses DROP CONSTRAINT responses_pkey;
ALTER TABLE responses ADD PRIMARY KEY (question_id, run);
ALTER TABLE responses ALTER COLUMN run DROP DEFAULT;
ALTER TABLE responses ALTER COLUMN total_processing_time_ms DROP NOT NULL;

ALTER TABLE attempts ADD COLUMN run integer NOT NULL DEFAULT 1 CHECK (run >= 1);
ALTER TABLE attempts DROP CONSTRAINT attempts_pkey;
ALTER TABLE attempts ADD PRIMARY KEY (question_id, run, attempt_no);
ALTER TABLE attempts ALTER COLUMN run DROP DEFAULT;

-- duration_ms NULL: the stage happened but a time it needs was not in the messages (never guessed).
ALTER TABLE processing_metrics ADD COLUMN run integer NOT NULL DEFAULT 1 CHECK (run >= 1);
ALTER TABLE processing_metrics DROP CONSTRAINT processing_metrics_pkey;
ALTER TABLE processing_metrics ADD PRIMARY KEY (question_id, run, attempt_no, stage);
ALTER TABLE processing_metrics ALTER COLUMN run DROP DEFAULT;
ALTER TABLE processing_metrics ALTER COLUMN duration_ms DROP NOT NULL;

ALTER TABLE llm_errors ADD COLUMN run integer NOT NULL DEFAULT 1 CHECK (run >= 1);
ALTER TABLE llm_errors DROP CONSTRAINT llm_errors_question_id_retry_count_error_retries_error_type_key;
ALTER TABLE llm_errors ADD CONSTRAINT llm_errors_event_key UNIQUE (question_id, run, retry_count, error_retries, error_type);
ALTER TABLE llm_errors ALTER COLUMN run DROP DEFAULT;

-- The one rule for starting a run (storage's enqueue and any re-enqueue call it; src/storage/runs.c).
-- p_stuck_run NULL: a new question starts run 1, a failed one its next run; a pending or completed one
--   starts nothing (text and answer replace the stored ones when a run starts).
-- p_stuck_run N: the question starts its next run only if it is still pending in run N (a re-enqueue of a
--   stuck run); NULL text/answer keep the stored ones.
-- Returns one row (the run started, the question's text and answer) or none.
CREATE FUNCTION qaflow_start_run(p_question_id text, p_question_text text, p_original_answer text,
                                 p_at timestamptz, p_stuck_run integer)
RETURNS TABLE (new_run integer, stored_text text, stored_answer text)
LANGUAGE plpgsql AS $$
DECLARE
    v_run integer;
    v_text text;
    v_answer text;
BEGIN
    IF p_stuck_run IS NULL THEN
        INSERT INTO questions AS q (question_id, question_text, original_answer, status, run, created_at, updated_at)
        VALUES (p_question_id, p_question_text, p_original_answer, 'pending', 1, p_at, p_at)
        ON CONFLICT (question_id) DO UPDATE
            SET status = 'pending', failed_reason = NULL, failed_stage = NULL, run = q.run + 1,
                question_text = EXCLUDED.question_text, original_answer = EXCLUDED.original_answer,
                updated_at = EXCLUDED.updated_at
            WHERE q.status = 'failed'
        RETURNING q.run, q.question_text, q.original_answer INTO v_run, v_text, v_answer;
    ELSE
        UPDATE questions q
        SET run = q.run + 1, question_text = COALESCE(p_question_text, q.question_text),
            original_answer = COALESCE(p_original_answer, q.original_answer), updated_at = p_at
        WHERE q.question_id = p_question_id AND q.status = 'pending' AND q.run = p_stuck_run
        RETURNING q.run, q.question_text, q.original_answer INTO v_run, v_text, v_answer;
    END IF;
    IF v_run IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO runs (question_id, run, status, started_at) VALUES (p_question_id, v_run, 'pending', p_at)
    ON CONFLICT (question_id, run) DO NOTHING;
    new_run := v_run;
    stored_text := v_text;
    stored_answer := v_answer;
    RETURN NEXT;
END
$$;

-- 002's views, counting runs (columns may only be added at the end).

-- runs: distinct (question, run) pairs with this error.
CREATE OR REPLACE VIEW error_distribution AS
SELECT error_type,
       http_status,
       count(*)                                                    AS occurrences,
       count(DISTINCT question_id)                                 AS questions,
       round(100.0 * count(*) / sum(count(*)) OVER (), 2)          AS percentage,
       round(avg(delay_applied_ms))::bigint                        AS avg_delay_ms,
       min(occurred_at)                                            AS first_seen,
       max(occurred_at)                                            AS last_seen,
       count(DISTINCT (question_id, run))                          AS runs
FROM llm_errors
GROUP BY error_type, http_status
ORDER BY occurrences DESC, error_type, http_status;

-- One row per completed run: its first attempt's score vs the accepted one.
CREATE OR REPLACE VIEW regeneration_analysis AS
SELECT r.question_id,
       r.processing_attempts,
       COALESCE(r.first_score, a1.bert_score, r.bert_score)                AS first_score,
       r.bert_score                                                         AS final_score,
       r.bert_score - COALESCE(r.first_score, a1.bert_score, r.bert_score)  AS score_improvement,
       r.accepted_below_threshold,
       r.run
FROM responses r
LEFT JOIN attempts a1 ON a1.question_id = r.question_id AND a1.run = r.run AND a1.attempt_no = 1;

-- samples: known durations only; unknown: rows whose time was not known (NULL, never guessed).
CREATE OR REPLACE VIEW latency_by_stage AS
WITH samples AS (
    SELECT stage, duration_ms::double precision AS ms FROM processing_metrics
    UNION ALL
    SELECT 'end_to_end', total_processing_time_ms::double precision FROM responses
)
SELECT stage,
       count(ms)                                                             AS samples,
       round(percentile_cont(0.50) WITHIN GROUP (ORDER BY ms)::numeric, 1)   AS p50_ms,
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY ms)::numeric, 1)   AS p95_ms,
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1)   AS p99_ms,
       round(avg(ms)::numeric, 1)                                            AS avg_ms,
       max(ms)::bigint                                                       AS max_ms,
       count(*) - count(ms)                                                  AS unknown
FROM samples
GROUP BY stage
ORDER BY array_position(ARRAY['queue', 'retry_wait', 'llm', 'scoring', 'persistence', 'end_to_end'], stage);
