-- bench/pipeline/run_stats.sql: throughput of one run's questions (psql -v prefix='[TAG] ').
-- window = first question stored (questions.created_at, at POST) -> last result persisted
-- (questions.updated_at, set to now() when the result is written and the status becomes completed). pairs = rows in attempts
-- (one per scored LLM answer, i.e. one scorer call each).
WITH q AS (SELECT question_id, created_at, updated_at, status FROM questions WHERE starts_with(question_text, :'prefix')),
r AS (SELECT r.* FROM responses r JOIN q USING (question_id)),
a AS (SELECT count(*) AS pairs FROM attempts JOIN q USING (question_id)),
w AS (SELECT extract(epoch FROM (SELECT max(updated_at) FROM q WHERE status <> 'pending') - (SELECT min(created_at) FROM q)) AS s)
SELECT (SELECT count(*) FROM q)                                          AS questions,
       (SELECT count(*) FROM r)                                          AS completed,
       (SELECT pairs FROM a)                                             AS pairs_scored,
       (SELECT count(*) FROM r WHERE processing_attempts > 1)            AS regenerated,
       (SELECT count(*) FROM r WHERE accepted_below_threshold)           AS below_threshold,
       round((SELECT avg(bert_score) FROM r)::numeric, 3)                AS avg_score,
       round(w.s::numeric, 2)                                            AS seconds,
       round(((SELECT count(*) FROM r) / w.s)::numeric, 2)               AS questions_per_s,
       round(((SELECT pairs FROM a) / w.s)::numeric, 2)                  AS pairs_per_s
FROM w;
