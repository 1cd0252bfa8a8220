-- 002_views.sql -- analysis views of the seed: error_distribution, regeneration_analysis, latency_by_stage.

-- One row per (error_type, http_status): how often, on how many questions, share of all errors.
CREATE VIEW error_distribution AS
SELECT error_type,
       http_status,
       count(*)                                                    AS occurrences,
       count(DISTINCT question_id)                                 AS questions,
       round(100.0 * count(*) / sum(count(*)) OVER (), 2)          AS percentage,
       round(avg(delay_applied_ms))::bigint                        AS avg_delay_ms,
       min(occurred_at)                                            AS first_seen,
       max(occurred_at)                                            AS last_seen
FROM llm_errors
GROUP BY error_type, http_status
ORDER BY occurrences DESC, error_type, http_status;

-- One row per completed question: first attempt's score vs the accepted one.
CREATE VIEW regeneration_analysis AS
SELECT r.question_id,
       r.processing_attempts,
       COALESCE(r.first_score, a1.bert_score, r.bert_score)                AS first_score,
       r.bert_score                                                         AS final_score,
       r.bert_score - COALESCE(r.first_score, a1.bert_score, r.bert_score)  AS score_improvement,
       r.accepted_below_threshold
FROM responses r
LEFT JOIN attempts a1 ON a1.question_id = r.question_id AND a1.attempt_no = 1;

-- Percentiles per pipeline stage, plus end_to_end from the responses.
CREATE VIEW latency_by_stage AS
WITH samples AS (
    SELECT stage, duration_ms::double precision AS ms FROM processing_metrics
    UNION ALL
    SELECT 'end_to_end', total_processing_time_ms::double precision FROM responses
)
SELECT stage,
       count(*)                                                              AS samples,
       round(percentile_cont(0.50) WITHIN GROUP (ORDER BY ms)::numeric, 1)   AS p50_ms,
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY ms)::numeric, 1)   AS p95_ms,
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1)   AS p99_ms,
       round(avg(ms)::numeric, 1)                                            AS avg_ms,
       max(ms)::bigint                                                       AS max_ms
FROM samples
GROUP BY stage
ORDER BY array_position(ARRAY['queue', 'retry_wait', 'llm', 'scoring', 'persistence', 'end_to_end'], stage);
