-- bench/flink/threshold.sql: replays the ScoreJob's routing on recorded attempts for a range of thresholds.
-- Collect the data with a run where every question gets all its attempts (ScoreJob --threshold 1.01,
-- --max-regenerations 3: 4 real LLM answers per question, all scored), then:
--   psql "$DSN" -v cap=3 -f bench/flink/threshold.sql
-- For each threshold: how many questions would be regenerated, attempts per question, how many end
-- below the threshold, and the mean first vs final score (the gain regeneration buys).
\if :{?cap}
\else
\set cap 3
\endif
WITH th(t) AS (SELECT round(x::numeric, 2) FROM generate_series(0.20, 0.95, 0.05) AS x),
q AS (
  SELECT question_id, array_agg(bert_score ORDER BY attempt_no) AS s
  FROM attempts GROUP BY question_id HAVING count(*) >= :cap + 1
),
sim AS (
  SELECT t, question_id, s,
         (SELECT min(i) FROM generate_subscripts(s, 1) AS i WHERE i <= :cap + 1 AND s[i] >= t) AS pass_at
  FROM th CROSS JOIN q
)
SELECT t AS threshold,
       count(*) AS questions,
       round(avg((pass_at IS DISTINCT FROM 1)::int), 3) AS regeneration_rate,
       round(avg(coalesce(pass_at, :cap + 1)), 2) AS mean_attempts,
       round(avg((pass_at IS NULL)::int), 3) AS accepted_below_rate,
       round(avg(s[1])::numeric, 4) AS mean_first_score,
       round(avg(CASE WHEN pass_at IS NOT NULL THEN s[pass_at]
                      ELSE (SELECT max(x) FROM unnest(s[1:(:cap + 1)]) AS x) END)::numeric, 4) AS mean_final_score
FROM sim GROUP BY t ORDER BY t;
