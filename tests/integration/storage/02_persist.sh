#!/usr/bin/env bash
# 02_persist.sh -- the persistence consumer: validated -> completed and cached; redelivery -> one row;
# low-quality -> attempts; failed -> failed + llm_errors; cache-aside from the database.
source "$(dirname "$0")/lib.sh"
require_env
start_storage persist $((QAFLOW_TEST_PORT_BASE + 101))
A_URL="$STORAGE_URL"

text="$(unique 'Why is the sky blue?')"
answer="Rayleigh scattering of sunlight by the air."
post_query "$text" "$answer"; body="$BODY"
expect_code 202 "new question"
qid="$(jq -r .question_id <<<"$body")"
created="$(jq -r .created_at <<<"$(wait_messages questions-pending "$qid" 1 60)")"

t0="$(now_iso)"
note "a low-quality first attempt, then the validated second one"
low="$(jq -nc --arg id "$qid" --arg c "$created" --arg t "$t0" '{question_id: $id, llm_response: "I like trains.",
  bert_score: 0.41, retry_count: 0, threshold: 0.75, timestamp: $t, created_at: $c,
  llm_started_at: $c, llm_finished_at: $t, scored_at: $t, model: "tinyllama"}')"
produce low-quality-responses "$qid" "$low"
val="$(jq -nc --arg id "$qid" --arg q "$text" --arg a "$answer" --arg c "$created" --arg t "$(now_iso)" '{
  question_id: $id, question_text: $q, llm_response: "Because of Rayleigh scattering.", original_answer: $a,
  bert_score: 0.87, processing_attempts: 2, total_processing_time_ms: 2345, timestamp: $t,
  accepted_below_threshold: false, first_score: 0.41, created_at: $c, llm_started_at: $t,
  llm_finished_at: $t, scored_at: $t, model: "tinyllama"}')"
produce validated-responses "$qid" "$val"

note "GET /status turns completed with the seed's result fields"
st="$(wait_status "$qid" completed 60)" || fail "not completed: $st"
jq -e --arg id "$qid" '.result.question_id == $id and .result.llm_response == "Because of Rayleigh scattering."
  and .result.bert_score == 0.87 and .result.processing_attempts == 2 and .result.first_score == 0.41
  and .result.total_processing_time_ms == 2345' <<<"$st" >/dev/null || fail "result fields: $st"
note "the consumer filled the cache: served from cache, and Redis holds the key"
http GET "$STORAGE_URL/status/$qid"; st="$BODY"
[[ "$(jq -r .source <<<"$st")" == cache ]] || fail "second GET not from cache: $st"
[[ "$(redis_q EXISTS "qaflow:result:$qid")" == 1 ]] || fail "Redis has no qaflow:result:$qid"
[[ "$(psql_q "SELECT status FROM questions WHERE question_id = '$qid'")" == completed ]] || fail "questions.status"
[[ "$(psql_q "SELECT outcome FROM attempts WHERE question_id = '$qid' ORDER BY attempt_no" | tr '\n' ,)" == "low_quality,validated," ]] \
  || fail "attempts rows: $(psql_q "SELECT attempt_no, outcome FROM attempts WHERE question_id = '$qid'")"
[[ "$(psql_q "SELECT count(*) FROM processing_metrics WHERE question_id = '$qid' AND stage = 'llm'")" == 2 ]] \
  || fail "processing_metrics llm rows"

note "redelivered and duplicate validated messages change nothing"
before="$(psql_q "SELECT bert_score, updated_at FROM responses JOIN questions USING (question_id) WHERE question_id = '$qid'")"
produce validated-responses "$qid" "$val"
produce validated-responses "$qid" "$(jq -c '.bert_score = 0.99 | .llm_response = "other"' <<<"$val")"
produce low-quality-responses "$qid" "$low"
marker="$(unique 'marker')"
mval="$(jq -c --arg q "$marker" '.question_text = $q | .question_id = "q_marker'$$'"' <<<"$val")"
produce validated-responses "q_marker$$" "$mval"
# the marker lands on some partition; wait until it is persisted, and then a little more so
# the three redeliveries (other partitions possibly) are consumed too
for ((i = 0; i < 120; i++)); do
  [[ "$(psql_q "SELECT count(*) FROM responses WHERE question_id = 'q_marker$$'")" == 1 ]] && break
  sleep 0.5
done
sleep 3
[[ "$(psql_q "SELECT count(*) FROM responses WHERE question_id = '$qid'")" == 1 ]] || fail "responses rows != 1"
[[ "$(psql_q "SELECT count(*) FROM attempts WHERE question_id = '$qid'")" == 2 ]] || fail "attempts rows != 2"
after="$(psql_q "SELECT bert_score, updated_at FROM responses JOIN questions USING (question_id) WHERE question_id = '$qid'")"
[[ "$before" == "$after" ]] || fail "redelivery changed the row: '$before' -> '$after'"
grep -q "persist: completed question_id=$qid" "$TMPDIR_T/persist.log" || fail "consumer log line missing"

note "POST of a completed question answers 200 completed"
post_query "$text" "$answer"; body="$BODY"
expect_code 200 "completed question"
[[ "$(jq -r .status <<<"$body")" == completed ]] || fail "POST completed: $body"

note "cache-aside: a fresh instance with the Redis key gone reads the database, then fills the cache"
redis_q DEL "qaflow:result:$qid" >/dev/null
start_storage persist-b $((QAFLOW_TEST_PORT_BASE + 102)) --no-consumer --no-relay
http GET "$STORAGE_URL/status/$qid"; st="$BODY"
[[ "$(jq -r .source <<<"$st")" == database ]] || fail "expected source database: $st"
[[ "$(redis_q EXISTS "qaflow:result:$qid")" == 1 ]] || fail "database path did not fill Redis"
http GET "$STORAGE_URL/status/$qid"; st="$BODY"
[[ "$(jq -r .source <<<"$st")" == cache ]] || fail "expected source cache: $st"
# and with both levels: a third instance finds it in Redis
start_storage persist-c $((QAFLOW_TEST_PORT_BASE + 103)) --no-consumer --no-relay --local-cache 0
http GET "$STORAGE_URL/status/$qid"; st="$BODY"
[[ "$(jq -r .source <<<"$st")" == cache ]] || fail "Redis hit expected: $st"
http GET "$STORAGE_URL/metrics"; m="$BODY"
jq -e '.cache_info.redis_hits >= 1 and .cache_info.misses == 0' <<<"$m" >/dev/null || fail "cache_info: $m"

note "questions-failed: pending -> failed with reason; an llm fatal error gets one llm_errors row"
STORAGE_URL="$A_URL"
ftext="$(unique 'Which model answers this?')"
post_query "$ftext" "None."; fbody="$BODY"
fqid="$(jq -r .question_id <<<"$fbody")"
failed="$(jq -nc --arg id "$fqid" --arg t "$(now_iso)" '{question_id: $id,
  reason: "LLM answered 404: model not found", stage: "llm", retry_count: 0, error_retries: 0,
  timestamp: $t, http_status: 404}')"
produce questions-failed "$fqid" "$failed"
st="$(wait_status "$fqid" failed 60)" || fail "not failed: $st"
jq -e '.reason == "LLM answered 404: model not found" and .stage == "llm"' <<<"$st" >/dev/null || fail "failed body: $st"
produce questions-failed "$fqid" "$failed"
sleep 3
[[ "$(psql_q "SELECT count(*) FROM llm_errors WHERE question_id = '$fqid' AND error_type = 'fatal' AND http_status = 404")" == 1 ]] \
  || fail "llm_errors fatal rows != 1"
note "asking a failed question again puts it back to pending and enqueues it again"
post_query "$ftext" "None."; fbody="$BODY"
expect_code 202 "resubmit failed"
wait_messages questions-pending "$fqid" 2 60 >/dev/null || fail "resubmitted question not produced again"

note "an undecodable message is skipped, the consumer keeps going"
produce validated-responses "q_poison$$" '{"question_id": "q_poison'$$'", "bert_score": "high"}'
ptext="$(unique 'After the poison?')"
post_query "$ptext" "Yes."; pqid="$(jq -r .question_id <<<"$BODY")"
produce validated-responses "$pqid" "$(jq -c --arg id "$pqid" --arg q "$ptext" '.question_id = $id | .question_text = $q' <<<"$val")"
wait_status "$pqid" completed 60 >/dev/null || fail "consumer stuck after a poison message"
grep -q "skipping undecodable message" "$TMPDIR_T/persist.log" || fail "poison message not reported"
note "a message with a timestamp PostgreSQL cannot store (year 0000) is refused by the codec and dead-lettered"
rtext="$(unique 'Year zero?')"
post_query "$rtext" "No."; rqid="$(jq -r .question_id <<<"$BODY")"
produce validated-responses "$rqid" "$(jq -c --arg id "$rqid" --arg q "$rtext" '.question_id = $id | .question_text = $q
  | .timestamp = "0000-01-01T00:00:00.000Z" | .created_at = "0000-01-01T00:00:00.000Z"' <<<"$val")"
atext="$(unique 'After year zero?')"
post_query "$atext" "Yes."; aqid="$(jq -r .question_id <<<"$BODY")"
produce validated-responses "$rqid" "$(jq -c --arg id "$aqid" --arg q "$atext" '.question_id = $id | .question_text = $q' <<<"$val")"
wait_status "$aqid" completed 60 >/dev/null || fail "consumer stuck behind a message with year 0000"
grep -q "skipping undecodable message.*timestamp.*0000-01-01" "$TMPDIR_T/persist.log" || fail "year-0000 message not reported"
[[ "$(psql_q "SELECT count(*) FROM responses WHERE question_id = '$rqid'")" == 0 ]] || fail "rejected message half-written"
note "the undecodable message was dead-lettered to questions-failed (its raw value in a header): its question fails"
st="$(wait_status "$rqid" failed 60)" || fail "year-0000 question not failed: $st"
jq -e '(.reason | startswith("malformed message on validated-responses: ")) and .stage == "storage"' <<<"$st" >/dev/null \
  || fail "year-0000 dead letter: $st"

note "the seed's SQL queries run"
psql_q "SELECT processing_attempts, COUNT(*) FROM responses GROUP BY processing_attempts ORDER BY processing_attempts" >/dev/null
imp="$(psql_q "SELECT round(score_improvement::numeric, 4) FROM regeneration_analysis WHERE question_id = '$qid'")"
[[ "$imp" == 0.4600 ]] || fail "regeneration_analysis.score_improvement = $imp, expected 0.4600"
psql_q "SELECT AVG(score_improvement) FROM regeneration_analysis WHERE processing_attempts > 1" >/dev/null
psql_q "SELECT * FROM latency_by_stage" | grep -q '^llm|' || fail "latency_by_stage has no llm row"
psql_q "SELECT * FROM error_distribution" | grep -q '^fatal|404|' || fail "error_distribution has no fatal/404 row"
echo PASS
