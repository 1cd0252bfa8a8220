-- bench/pipeline/latency.sql: latency_by_stage (sql/002_views.sql) restricted to one run's
-- questions (psql -v prefix='[TAG] '), plus post_to_persisted = questions.updated_at -
-- questions.created_at (POST /query stored -> result written by the persistence consumer;
-- end_to_end is the job's total_processing_time_ms, measured when the validated message is produced,
-- so it excludes the persistence stage).
WITH q AS (SELECT question_id, created_at, updated_at, status FROM questions WHERE starts_with(question_text, :'prefix')),
samples AS (
    SELECT m.stage, m.duration_ms::double precision AS ms
    FROM processing_metrics m JOIN q USING (question_id)
    UNION ALL
    SELECT 'end_to_end', r.total_processing_time_ms::double precision
    FROM responses r JOIN q USING (question_id)
    UNION ALL
    SELECT 'post_to_persisted', extract(epoch FROM q.updated_at - q.created_at) * 1000.0
    FROM q WHERE q.status = 'completed'
)
SELECT stage,
       count(*)                                                              AS samples,
       round(percentile_cont(0.50) WITHIN GROUP (ORDER BY ms)::numeric, 1)   AS p50_ms,
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY ms)::numeric, 1)   AS p95_ms,
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1)   AS p99_ms,
       max(ms)::bigint                                                       AS max_ms
FROM samples
GROUP BY stage
ORDER BY array_position(ARRAY['queue', 'retry_wait', 'llm', 'scoring', 'persistence', 'end_to_end', 'post_to_persisted'], stage);
