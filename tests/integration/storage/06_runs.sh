#!/usr/bin/env bash
# 06_runs.sh -- runs: a re-asked failed question is a new run (numbered, in its messages and rows); runs don't
# mix in the tables or views; messages of an older run or attempt never move the current status; a completed
# run is never downgraded; the result of a run is corrected from its stored attempts when the job lost them or
# one arrives after the result; missing times are recorded unknown (NULL); the run rule a re-enqueue calls.
source "$(dirname "$0")/lib.sh"
require_env
start_storage runs $((QAFLOW_TEST_PORT_BASE + 106))

text="$(unique 'What is the capital of Peru?')"
answer="Lima is the capital and largest city of Peru."

# failed QID RUN RETRY_COUNT: a questions-failed message of stage llm (HTTP 404) for that run and attempt.
failed() {
  jq -nc --arg id "$1" --argjson run "$2" --argjson rc "$3" --arg t "$(now_iso)" '{question_id: $id,
    reason: "LLM answered 404: model not found", stage: "llm", retry_count: $rc, error_retries: 0,
    timestamp: $t, http_status: 404, run: $run}'
}
# low QID RUN RETRY_COUNT SCORE CREATED [STARTED]: a low-quality-responses message (the job's shape).
low() {
  jq -nc --arg id "$1" --argjson run "$2" --argjson rc "$3" --argjson s "$4" --arg c "$5" --arg st "${6-$5}" \
    --arg t "$(now_iso)" '{question_id: $id, llm_response: ("answer \($rc) of run \($run)"), bert_score: $s,
    retry_count: $rc, threshold: 0.75, timestamp: $t, created_at: $c, llm_started_at: $st, llm_finished_at: $t,
    scored_at: $t, model: "tinyllama", run: $run} | if $st == "" then del(.llm_started_at) else . end'
}
# settle QID N: waits until the question has N attempts rows (all runs).
settle() {
  for ((i = 0; i < 120; i++)); do
    [[ "$(psql_q "SELECT count(*) FROM attempts WHERE question_id = '$1'")" == "$2" ]] && return 0
    sleep 0.5
  done
  fail "$1: $2 attempts rows expected, have $(psql_q "SELECT count(*) FROM attempts WHERE question_id = '$1'")"
}
# result_with_score QID SCORE: GET /status/QID until its result's bert_score is SCORE (at most 30 s); prints
# the last body either way (the caller's checks say what was wrong).
result_with_score() {
  local i
  for ((i = 0; i < 60; i++)); do
    http GET "$STORAGE_URL/status/$1"
    jq -e --argjson s "$2" '.result.bert_score == $s' <<<"$BODY" >/dev/null && break
    sleep 0.5
  done
  printf '%s' "$BODY"
}

# marker: a message on every topic's partitions is hard to order; a persisted marker question, produced after
# the messages under test and keyed the same, proves they were consumed (same key = same partition).
consumed() {
  local qid="$1" topic="$2" m="$3"
  produce "$topic" "$qid" "$m"
  for ((i = 0; i < 120; i++)); do
    grep -q "$4" "$TMPDIR_T/runs.log" && return 0
    sleep 0.5
  done
  fail "message not consumed: $m"
}

note "run 1: the first ask; the LLM fails it"
post_query "$text" "$answer"; expect_code 202 "new question"
qid="$(jq -r .question_id <<<"$BODY")"
[[ "$(jq -r .run <<<"$BODY")" == 1 ]] || fail "first ask is not run 1: $BODY"
p1="$(wait_messages questions-pending "$qid" 1 60)" || fail "run 1 not enqueued"
jq -e '.run == 1 and .retry_count == 0' <<<"$p1" >/dev/null || fail "run 1 message: $p1"
c1="$(jq -r .created_at <<<"$p1")"
produce low-quality-responses "$qid" "$(low "$qid" 1 0 0.2 "$c1")"
produce questions-failed "$qid" "$(failed "$qid" 1 1)"
st="$(wait_status "$qid" failed 60)" || fail "run 1 not failed: $st"
jq -e '.run == 1 and (.runs | length) == 1 and .runs[0].status == "failed" and .runs[0].stage == "llm"' \
  <<<"$st" >/dev/null || fail "failed run 1 status: $st"

note "run 2: asked again -> 202, a new run with its own message; the LLM fails it again (same attempt keys)"
post_query "$text" "$answer"; expect_code 202 "re-ask after failure"
[[ "$(jq -r .run <<<"$BODY")" == 2 ]] || fail "re-ask is not run 2: $BODY"
p2="$(wait_messages questions-pending "$qid" 2 60 | tail -n1)" || fail "run 2 not enqueued"
jq -e '.run == 2 and .retry_count == 0 and .error_retries == 0' <<<"$p2" >/dev/null || fail "run 2 message: $p2"
c2="$(jq -r .created_at <<<"$p2")"
[[ "$c2" > "$c1" ]] || fail "run 2 starts at its own time ($c2 vs $c1)"
post_query "$text" "$answer"; expect_code 202 "ask while run 2 is in flight"
[[ "$(jq -r .message <<<"$BODY")" == "Question is being processed" && "$(jq -r .run <<<"$BODY")" == 2 ]] \
  || fail "in-flight ask: $BODY"
note "a redelivered failure of run 1 does not touch run 2"
consumed "$qid" questions-failed "$(failed "$qid" 1 1)" "persist: failed question_id=$qid run=1 stage=llm applied=0"
http GET "$STORAGE_URL/status/$qid"
jq -e '.status == "pending" and .run == 2 and [.runs[].status] == ["failed", "pending"]' <<<"$BODY" >/dev/null \
  || fail "run 1's failure moved run 2: $BODY"
produce questions-failed "$qid" "$(failed "$qid" 2 0)"
st="$(wait_status "$qid" failed 60)" || fail "run 2 not failed: $st"
[[ "$(psql_q "SELECT string_agg(run::text, ',' ORDER BY run) FROM llm_errors WHERE question_id = '$qid' AND error_type = 'fatal'")" == 1,2 ]] \
  || fail "llm_errors: one fatal row per run expected"

note "run 3: the job lost its state mid-chain: 0.7, 0.3, (loss), 0.3, 0.31 -> the job reports 0.31 and no first_score"
post_query "$text" "$answer"; expect_code 202 "second re-ask"
[[ "$(jq -r .run <<<"$BODY")" == 3 ]] || fail "second re-ask is not run 3: $BODY"
c3="$(jq -r .created_at <<<"$(wait_messages questions-pending "$qid" 3 60 | tail -n1)")"
produce low-quality-responses "$qid" "$(low "$qid" 3 0 0.7 "$c3")"
produce low-quality-responses "$qid" "$(low "$qid" 3 1 0.3 "$c3")"
settle "$qid" 3
note "a redelivered failure of an earlier attempt of run 3 does not fail it"
consumed "$qid" questions-failed "$(failed "$qid" 3 0)" "persist: failed question_id=$qid run=3 stage=llm applied=0"
[[ "$(psql_q "SELECT status FROM questions WHERE question_id = '$qid'")" == pending ]] || fail "stale failure applied"
produce low-quality-responses "$qid" "$(low "$qid" 3 2 0.3 "$c3")"
produce low-quality-responses "$qid" "$(low "$qid" 3 3 0.31 "$c3")"
val="$(jq -nc --arg id "$qid" --arg q "$text" --arg a "$answer" --arg c "$c3" --arg t "$(now_iso)" '{
  question_id: $id, question_text: $q, llm_response: "answer 3 of run 3", original_answer: $a, bert_score: 0.31,
  processing_attempts: 4, total_processing_time_ms: 900, timestamp: $t, accepted_below_threshold: true,
  created_at: $c, llm_started_at: $t, llm_finished_at: $t, scored_at: $t, model: "tinyllama", run: 3}')"
produce validated-responses "$qid" "$val"
st="$(wait_status "$qid" completed 60)" || fail "run 3 not completed: $st"
settle "$qid" 5
note "the result is the run's best stored attempt, and its first attempt's score"
st="$(result_with_score "$qid" 0.7)"
jq -e '.result.bert_score == 0.7 and .result.first_score == 0.7 and .result.llm_response == "answer 0 of run 3"
  and .result.processing_attempts == 4 and .result.accepted_below_threshold and .result.run == 3
  and [.result.runs[] | [.run, .status]] == [[1, "failed"], [2, "failed"], [3, "completed"]]
  and .result.runs[2].bert_score == 0.7' <<<"$st" >/dev/null || fail "corrected result: $st"
http GET "$STORAGE_URL/metrics?format=prometheus"
grep -Eq '^qaflow_storage_results_corrected_total [1-9]' <<<"$BODY" || fail "corrections not counted"

note "a completed run is never downgraded"
consumed "$qid" questions-failed "$(failed "$qid" 3 9)" "persist: failed question_id=$qid run=3 stage=llm applied=0"
[[ "$(psql_q "SELECT status || ',' || run FROM questions WHERE question_id = '$qid'")" == completed,3 ]] \
  || fail "completed run downgraded"

note "runs don't mix in the tables or the views"
[[ "$(psql_q "SELECT string_agg(run || ':' || attempt_no, ' ' ORDER BY run, attempt_no) FROM attempts WHERE question_id = '$qid'")" == "1:1 3:1 3:2 3:3 3:4" ]] \
  || fail "attempts by run: $(psql_q "SELECT run, attempt_no FROM attempts WHERE question_id = '$qid'")"
[[ "$(psql_q "SELECT count(*) FROM responses WHERE question_id = '$qid'")" == 1 ]] || fail "responses: one completed run"
[[ "$(psql_q "SELECT string_agg(DISTINCT run::text, ',') FROM processing_metrics WHERE question_id = '$qid'")" == 1,3 ]] \
  || fail "processing_metrics runs"
[[ "$(psql_q "SELECT duration_ms FROM processing_metrics WHERE question_id = '$qid' AND run = 3 AND attempt_no = 1 AND stage = 'queue'")" -ge 0 ]] \
  || fail "run 3's first queue time is measured from run 3's start"
[[ "$(psql_q "SELECT run || '|' || first_score || '|' || final_score FROM regeneration_analysis WHERE question_id = '$qid'")" == "3|0.7|0.7" ]] \
  || fail "regeneration_analysis: $(psql_q "SELECT * FROM regeneration_analysis WHERE question_id = '$qid'")"
[[ "$(psql_q "SELECT runs >= 2 FROM error_distribution WHERE error_type = 'fatal' AND http_status = 404")" == t ]] \
  || fail "error_distribution.runs"
[[ "$(psql_q "SELECT count(*) FROM runs WHERE question_id = '$qid'")" == 3 ]] || fail "runs rows"

note "no invented times: a missing llm_started_at or created_at is recorded unknown (NULL) and counted"
t2="$(unique 'When was this asked?')"
post_query "$t2" "Unknown."; q2="$(jq -r .question_id <<<"$BODY")"
produce low-quality-responses "$q2" "$(low "$q2" 1 0 0.2 "$(now_iso)" "")"
settle "$q2" 1
produce validated-responses "$q2" "$(jq -c --arg id "$q2" --arg q "$t2" '.question_id = $id | .question_text = $q
  | .run = 1 | .accepted_below_threshold = false | .bert_score = 0.9 | .processing_attempts = 2 | del(.created_at)' <<<"$val")"
wait_status "$q2" completed 60 >/dev/null || fail "q2 not completed"
[[ "$(psql_q "SELECT string_agg(stage, ',' ORDER BY stage) FROM processing_metrics WHERE question_id = '$q2' AND attempt_no = 1 AND duration_ms IS NULL")" == llm,queue ]] \
  || fail "unknown stages: $(psql_q "SELECT stage, duration_ms FROM processing_metrics WHERE question_id = '$q2'")"
[[ "$(psql_q "SELECT total_processing_time_ms IS NULL FROM responses WHERE question_id = '$q2'")" == t ]] \
  || fail "end-to-end time without created_at must be unknown"
[[ "$(psql_q "SELECT unknown >= 1 FROM latency_by_stage WHERE stage = 'llm'")" == t ]] || fail "latency_by_stage.unknown"
http GET "$STORAGE_URL/metrics?format=prometheus"
grep -Eq '^qaflow_storage_unknown_times_total [1-9]' <<<"$BODY" || fail "unknown times not counted"

note "an attempt stored after its run's result (the job records a late attempt after a restore) corrects it"
t4="$(unique 'Which attempt came late?')"
post_query "$t4" "$answer"; q4="$(jq -r .question_id <<<"$BODY")"
produce low-quality-responses "$q4" "$(low "$q4" 1 1 0.3 "$c3")"
settle "$q4" 1
produce validated-responses "$q4" "$(jq -c --arg id "$q4" --arg q "$t4" '.question_id = $id | .question_text = $q
  | .run = 1 | .bert_score = 0.3 | .processing_attempts = 2 | .llm_response = "answer 1 of run 1"' <<<"$val")"
wait_status "$q4" completed 60 >/dev/null || fail "q4 not completed"
[[ "$(psql_q "SELECT bert_score || '|' || COALESCE(first_score::text, 'none') FROM responses WHERE question_id = '$q4'")" == "0.3|none" ]] \
  || fail "q4 before the late attempt: $(psql_q "SELECT * FROM responses WHERE question_id = '$q4'")"
produce low-quality-responses "$q4" "$(low "$q4" 1 0 0.6 "$c3")"
settle "$q4" 2
st="$(result_with_score "$q4" 0.6)"
jq -e '.result.bert_score == 0.6 and .result.first_score == 0.6 and .result.llm_response == "answer 0 of run 1"
  and .result.processing_attempts == 2 and .result.accepted_below_threshold' <<<"$st" >/dev/null \
  || fail "late attempt did not correct the result: $st"

note "the run rule a re-enqueue calls: only a question still pending in the given run starts the next one"
t3="$(unique 'Stuck?')"
post_query "$t3" "Maybe."; q3="$(jq -r .question_id <<<"$BODY")"
[[ "$(psql_q "SELECT new_run FROM qaflow_start_run('$q3', NULL, NULL, now(), 1)")" == 2 ]] || fail "stuck run 1 not restarted"
[[ -z "$(psql_q "SELECT new_run FROM qaflow_start_run('$q3', NULL, NULL, now(), 1)")" ]] || fail "run 1 restarted twice"
[[ -z "$(psql_q "SELECT new_run FROM qaflow_start_run('$qid', NULL, NULL, now(), 3)")" ]] || fail "completed question restarted"
[[ "$(psql_q "SELECT question_text = '$t3' FROM questions WHERE question_id = '$q3'")" == t ]] || fail "text kept"

note "a late result of the replaced run 1 (it was only slow) leaves it failed and stores no result: one final row"
late() { jq -c --arg id "$q3" --arg q "$t3" --argjson run "$1" '.question_id = $id | .question_text = $q | .run = $run
  | .accepted_below_threshold = false | .bert_score = 0.9 | .processing_attempts = 1' <<<"$val"; }
produce validated-responses "$q3" "$(late 1)"
settle "$q3" 1
[[ "$(psql_q "SELECT status || ':' || failed_reason FROM runs WHERE question_id = '$q3' AND run = 1")" == "failed:stuck: re-enqueued" ]] \
  || fail "the replaced run 1 moved: $(psql_q "SELECT status, failed_reason FROM runs WHERE question_id = '$q3' AND run = 1")"
[[ "$(psql_q "SELECT count(*) FROM responses WHERE question_id = '$q3'")" == 0 ]] || fail "a result stored for the replaced run 1"
[[ "$(psql_q "SELECT status || ':' || run FROM questions WHERE question_id = '$q3'")" == pending:2 ]] || fail "run 2 not pending"
produce validated-responses "$q3" "$(late 2)"
wait_status "$q3" completed 60 >/dev/null || fail "run 2 not completed"
[[ "$(psql_q "SELECT string_agg(run::text, ',') FROM responses WHERE question_id = '$q3'")" == 2 ]] || fail "results: not run 2's alone"
echo PASS
