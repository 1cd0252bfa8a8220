#!/usr/bin/env bash
# tests/integration/flink/flink_test.sh: ScoreJob end to end on a real Flink cluster, Kafka and qaflow-scorer (pipeline: whole system).
# usage: flink_test.sh routing|scorer_outage|restart|pipeline|runs|cli   (environment from ./qaflow test-stack env)
set -euo pipefail
# shellcheck source=/dev/null
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REF="Paris is the capital and most populous city of France, on the river Seine."
GOOD="$REF"
BETTER="Paris, on the river Seine, is the capital and the most populous city of France."
P1="Bananas are a good source of potassium and grow in warm climates."
P2="I really enjoy trains, long walks and quiet evenings with a good book."
P3="Tomorrow the weather will probably be cloudy with some light rain."

# scores PORT: ask the scorer directly for every pair, choose a threshold between the poor and the good ones.
scores() {
  S_GOOD="$(ft_score "$1" "$GOOD" "$REF")"; S_BETTER="$(ft_score "$1" "$BETTER" "$REF")"
  S_P1="$(ft_score "$1" "$P1" "$REF")"; S_P2="$(ft_score "$1" "$P2" "$REF")"; S_P3="$(ft_score "$1" "$P3" "$REF")"
  S_EMPTY="$(ft_score "$1" "" "$REF")"
  ft_log "scorer: good=$S_GOOD better=$S_BETTER poor=$S_P1,$S_P2,$S_P3"
  THRESHOLD="$(awk -v g="$S_GOOD" -v b="$S_BETTER" -v p1="$S_P1" -v p2="$S_P2" -v p3="$S_P3" -v e="$S_EMPTY" 'BEGIN {
    lo = p1; if (p2 > lo) lo = p2; if (p3 > lo) lo = p3; hi = g; if (b < hi) hi = b;
    if (hi - lo < 0.02 || e >= lo) exit 1; printf "%.6f", (lo + hi) / 2 }')" \
    || ft_die "the scorer does not separate the good answers from the poor ones (test premise)"
  # the best of the three poor answers (ties keep the earlier, as the job does)
  BEST_TEXT="$P1"; BEST="$S_P1"
  awk -v a="$S_P2" -v b="$BEST" 'BEGIN { exit !(a > b) }' && { BEST_TEXT="$P2"; BEST="$S_P2"; }
  awk -v a="$S_P3" -v b="$BEST" 'BEGIN { exit !(a > b) }' && { BEST_TEXT="$P3"; BEST="$S_P3"; }
  ft_log "threshold $THRESHOLD, best poor answer scores $BEST"
}

# regenerate QID RC: wait for the question to come back on questions-pending with retry_count RC.
regenerate() {
  local p
  p="$(ft_wait questions-pending "$1" "$2" | tail -n1)"
  ft_eq "$1 pending retry_count" "$(jq -r .retry_count <<<"$p")" "$2"
  ft_eq "$1 pending error_retries" "$(jq -r .error_retries <<<"$p")" 0
  ft_eq "$1 pending original_answer" "$(jq -r .original_answer <<<"$p")" "$REF"
  ft_eq "$1 pending created_at" "$(jq -r .created_at <<<"$p")" "${FT_CREATED:-2026-01-01T00:00:00.000Z}"
}

# three_poor QID: three poor answers (cap 2) end with the best accepted and marked.
three_poor() {
  local q="$1" v
  ft_attempt "$q" 0 "$P1" "$REF"; regenerate "$q" 1
  ft_attempt "$q" 1 "$P2" "$REF"; regenerate "$q" 2
  ft_attempt "$q" 2 "$P3" "$REF"
  v="$(ft_wait validated-responses "$q" 1)"
  ft_eq "$q validated count" "$(grep -c . <<<"$v")" 1
  ft_eq "$q accepted_below_threshold" "$(jq -r .accepted_below_threshold <<<"$v")" true
  ft_eq "$q llm_response is the best" "$(jq -r .llm_response <<<"$v")" "$BEST_TEXT"
  ft_near "$q bert_score" "$(jq -r .bert_score <<<"$v")" "$BEST"
  ft_near "$q first_score" "$(jq -r .first_score <<<"$v")" "$S_P1"
  ft_eq "$q processing_attempts" "$(jq -r .processing_attempts <<<"$v")" 3
  ft_eq "$q low-quality messages" "$(ft_wait low-quality-responses "$q" 3 | grep -c .)" 3
}

case_routing() {
  ft_init routing
  ft_scorer_start scorer "$FT_SCORER_PORT"
  scores "$FT_SCORER_PORT"
  ft_cluster_and_job --scorer "http://127.0.0.1:$FT_SCORER_PORT" --threshold "$THRESHOLD" --max-regenerations 2

  local q v lq
  q="$FT_RUN-good"
  ft_attempt "$q" 0 "$GOOD" "$REF"
  v="$(ft_wait validated-responses "$q" 1)"
  ft_near "good bert_score (as the scorer says)" "$(jq -r .bert_score <<<"$v")" "$S_GOOD"
  ft_eq "good processing_attempts" "$(jq -r .processing_attempts <<<"$v")" 1
  ft_eq "good accepted_below_threshold" "$(jq -r .accepted_below_threshold <<<"$v")" false
  ft_near "good first_score" "$(jq -r .first_score <<<"$v")" "$S_GOOD"
  ft_eq "good question_text" "$(jq -r .question_text <<<"$v")" "question of $q"
  [[ "$(jq -r '.scored_at | test("^[0-9-]{10}T[0-9:]{8}\\.[0-9]{3}Z$")' <<<"$v")" == true ]] || ft_die "scored_at $v"

  q="$FT_RUN-better"
  ft_attempt "$q" 0 "$P1" "$REF"
  regenerate "$q" 1
  lq="$(ft_wait low-quality-responses "$q" 1)"
  ft_near "poor attempt score on low-quality" "$(jq -r .bert_score <<<"$lq")" "$S_P1"
  ft_near "low-quality threshold" "$(jq -r .threshold <<<"$lq")" "$THRESHOLD"
  ft_attempt "$q" 1 "$BETTER" "$REF"
  v="$(ft_wait validated-responses "$q" 1)"
  ft_eq "better llm_response" "$(jq -r .llm_response <<<"$v")" "$BETTER"
  ft_near "better bert_score" "$(jq -r .bert_score <<<"$v")" "$S_BETTER"
  ft_near "better first_score" "$(jq -r .first_score <<<"$v")" "$S_P1"
  ft_eq "better processing_attempts" "$(jq -r .processing_attempts <<<"$v")" 2
  ft_eq "better accepted_below_threshold" "$(jq -r .accepted_below_threshold <<<"$v")" false

  three_poor "$FT_RUN-poor3"

  q="$FT_RUN-malformed"
  ft_raw "$q" '{"question_id": "'"$q"'", "llm_response": 42'
  v="$(ft_wait questions-failed "$q" 1)"
  ft_eq "malformed stage" "$(jq -r .stage <<<"$v")" score
  [[ "$(jq -r .reason <<<"$v")" == *malformed* ]] || ft_die "malformed reason: $v"
  # the job is still running and still scores after the bad record
  q="$FT_RUN-after"
  ft_attempt "$q" 0 "$GOOD" "$REF"
  ft_wait validated-responses "$q" 1 >/dev/null
  ft_eq "job state" "$(ft_job_state)" RUNNING
  for q in good better poor3; do
    ft_eq "$q: nothing on questions-failed" "$(ft_count questions-failed "$FT_RUN-$q")" 0
  done
  ft_eq "good: no regeneration" "$(ft_count questions-pending "$FT_RUN-good")" 0
}

case_scorer_outage() {
  ft_init scorer_outage
  # two addresses; neither runs yet. Only the second will come up: round-robin must find it.
  ft_cluster_and_job --scorer "http://127.0.0.1:$FT_SCORER_PORT,http://127.0.0.1:$FT_SCORER2_PORT" \
    --threshold 0.5 --retry-max-ms 2000
  local i
  for i in 1 2 3 4 5; do ft_attempt "$FT_RUN-q$i" 0 "$GOOD" "$REF"; done
  ft_attempt "$FT_RUN-p1" 0 "$P1" "$REF"
  sleep 20
  for t in validated-responses low-quality-responses questions-failed questions-pending; do
    for i in q1 q2 q3 q4 q5 p1; do
      ft_eq "scorer down: $t for $i" "$(ft_count "$t" "$FT_RUN-$i")" 0
    done
  done
  ft_eq "job state while the scorer is down" "$(ft_job_state)" RUNNING
  ft_scorer_start scorer2 "$FT_SCORER2_PORT"
  scores "$FT_SCORER2_PORT"
  for i in 1 2 3 4 5; do
    local v; v="$(ft_wait validated-responses "$FT_RUN-q$i" 1 180)"
    ft_near "q$i score after the outage" "$(jq -r .bert_score <<<"$v")" "$S_GOOD"
  done
  local lq; lq="$(ft_wait low-quality-responses "$FT_RUN-p1" 1 180)"
  ft_near "p1 score after the outage" "$(jq -r .bert_score <<<"$lq")" "$S_P1"
  # scorer goes away again mid-stream and comes back: nothing lost
  qf_stop scorer2 20
  for i in 6 7 8; do ft_attempt "$FT_RUN-q$i" 0 "$GOOD" "$REF"; done
  sleep 5
  ft_scorer_start scorer2 "$FT_SCORER2_PORT"
  for i in 6 7 8; do ft_wait validated-responses "$FT_RUN-q$i" 1 180 >/dev/null; done
  ft_log "ok  every attempt scored once the scorer came back"
}

case_restart() {
  ft_init restart
  ft_scorer_start scorer "$FT_SCORER_PORT"
  scores "$FT_SCORER_PORT"
  ft_cluster_and_job --scorer "http://127.0.0.1:$FT_SCORER_PORT" --threshold "$THRESHOLD" --max-regenerations 2 \
    --checkpoint-interval-ms 1000
  local q="$FT_RUN-crash" n i v
  # 1. first poor attempt is processed and checkpointed, then the TaskManager dies (kill -9)
  ft_attempt "$q" 0 "$P1" "$REF"; regenerate "$q" 1
  # two more completed checkpoints: the second was surely triggered after attempt 0 was routed
  n="$(ft_completed_checkpoints)"; ft_wait_checkpoint_after "$((n + 1))"
  for i in $(seq 1 10); do ft_attempt "$FT_RUN-b$i" 0 "$GOOD" "$REF"; done
  local tm; tm="$(qf_pid flink-taskmanager)"; kill -KILL "$tm"
  ft_log "killed the TaskManager (pid $tm)"
  for i in $(seq 11 20); do ft_attempt "$FT_RUN-b$i" 0 "$GOOD" "$REF"; done
  flink_cluster_start
  local deadline=$((SECONDS + 180))
  until [[ "$(curl -fsS --max-time 5 "$(flink_url)/jobs/$FT_JOB/checkpoints" | jq -r '.latest.restored.id // empty')" ]]; do
    ((SECONDS < deadline)) || ft_die "the job did not restore from a checkpoint"
    sleep 1
  done
  flink_wait_running "$FT_JOB" || ft_die "job did not recover"
  ft_log "ok  job restored from checkpoint $(curl -fsS "$(flink_url)/jobs/$FT_JOB/checkpoints" | jq -r .latest.restored.id)"
  ft_attempt "$q" 1 "$P2" "$REF"; regenerate "$q" 2
  ft_attempt "$q" 2 "$P3" "$REF"
  v="$(ft_wait validated-responses "$q" 1)"
  ft_near "first_score remembered across the crash" "$(jq -r .first_score <<<"$v")" "$S_P1"
  ft_eq "best answer across the crash" "$(jq -r .llm_response <<<"$v")" "$BEST_TEXT"
  ft_eq "attempts across the crash" "$(jq -r .processing_attempts <<<"$v")" 3
  ft_eq "attempt 0 (in the checkpoint) not replayed" \
    "$(ft_msgs low-quality-responses "$q" | jq -r 'select(.retry_count == 0) | .retry_count' | grep -c .)" 1
  # 2. nothing lost; a redelivered final message carries the same result (storage upserts it into one row)
  for i in $(seq 1 20); do
    v="$(ft_wait validated-responses "$FT_RUN-b$i" 1)"
    ft_eq "b$i: one distinct final result" \
      "$(jq -c '{llm_response, bert_score, processing_attempts, first_score}' <<<"$v" | sort -u | wc -l)" 1
  done
  ft_eq "crash question: one regeneration per attempt" "$(ft_msgs questions-pending "$q" | jq -r .retry_count | sort -u | tr '\n' ' ')" "1 2 "
  # 3. stop with a savepoint and resubmit: the job resumes with its state
  q="$FT_RUN-savepoint"
  ft_attempt "$q" 0 "$P1" "$REF"; regenerate "$q" 1
  flink_stop_job_with_savepoint "$FT_JOB" || ft_die "stop-with-savepoint failed"
  ft_attempt "$q" 1 "$P2" "$REF"
  FT_JOB="$(flink_submit --group-id "qaflow-scorejob-$FT_RUN" --starting-offsets "timestamp:$FT_START_MS" \
    --scorer "http://127.0.0.1:$FT_SCORER_PORT" --threshold "$THRESHOLD" --max-regenerations 2)"
  flink_wait_running "$FT_JOB" || ft_die "resubmitted job not running"
  regenerate "$q" 2
  ft_attempt "$q" 2 "$P3" "$REF"
  v="$(ft_wait validated-responses "$q" 1)"
  ft_near "first_score remembered across stop/resume" "$(jq -r .first_score <<<"$v")" "$S_P1"
  ft_eq "savepoint question validated once" "$(ft_count validated-responses "$q")" 1
}

# the same jar, unchanged, submitted with Flink's own command line client (`flink run`)
case_cli() {
  ft_init cli
  ft_scorer_start scorer "$FT_SCORER_PORT"
  flink_cluster_start
  local out
  out="$(flink_cli run -d "$(flink_job_jar)" --brokers "$FT_K" --scorer "http://127.0.0.1:$FT_SCORER_PORT" \
    --group-id "qaflow-scorejob-$FT_RUN" --starting-offsets "timestamp:$FT_START_MS" --threshold 0.5 2>&1)" \
    || ft_die "flink run failed: $out"
  FT_JOB="$(grep -o 'JobID [0-9a-f]*' <<<"$out" | awk '{ print $2 }')"
  [[ -n "$FT_JOB" ]] || ft_die "no JobID in: $out"
  flink_wait_running "$FT_JOB" || ft_die "job submitted by flink run is not running"
  ft_attempt "$FT_RUN-cli" 0 "$GOOD" "$REF"
  local v; v="$(ft_wait validated-responses "$FT_RUN-cli" 1)"
  ft_near "flink run: score" "$(jq -r .bert_score <<<"$v")" "$(ft_score "$FT_SCORER_PORT" "$GOOD" "$REF")"
  ft_eq "flink list shows the job" "$(flink_cli list -r 2>/dev/null | grep -c "$FT_JOB")" 1
}

# pg SQL: one value from the test stack's PostgreSQL.
pg() { psql "$QAFLOW_TEST_PG_DSN" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

# ask TEXT: POST /query to the storage service; prints the question_id.
ask() {
  local body res
  body="$(jq -cn --arg q "$1" --arg a "$REF" '{question_text: $q, original_answer: $a}')"
  res="$(curl -sS --max-time 30 -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$FT_STORAGE_PORT/query")"
  jq -er '.question_id' <<<"$res" || ft_die "POST /query: $res"
}

# script MATCH RESPONSES_JSON: scripted answers of the LLM stub for prompts containing MATCH.
script() {
  curl -fsS --max-time 10 -H 'Content-Type: application/json' \
    -d "$(jq -cn --arg m "$1" --argjson r "$2" '{match: $m, responses: $r}')" \
    "http://127.0.0.1:$FT_STUB_PORT/admin/script" >/dev/null || ft_die "stub script"
}

# wait_status QID STATUS: GET /status/QID until it reports STATUS.
wait_status() {
  local deadline=$((SECONDS + 240)) s
  while :; do
    s="$(curl -sS --max-time 10 "http://127.0.0.1:$FT_STORAGE_PORT/status/$1" | jq -r '.status // empty')" || true
    [[ "$s" == "$2" ]] && { ft_log "ok  $1 is $2"; return 0; }
    ((SECONDS < deadline)) || ft_die "$1 not $2 after 240 s (last: $s)"
    sleep 1
  done
}

# pipeline_up JOB_ARGS...: the whole system around the running scorer: LLM stub, storage, LLM worker, the
# overload retry consumer (RETRY_ARGS: extra flags) and the ScoreJob (JOB_ARGS added to its flags).
pipeline_up() {
  local stub storage worker retry
  stub="$(ft_bin qaflow-llm-stub)"; storage="$(ft_bin qaflow-storage)"; worker="$(ft_bin qaflow-llm-worker)"
  retry="$(ft_bin qaflow-retry)"
  [[ -n "${QAFLOW_TEST_PG_DSN:-}" && -n "${QAFLOW_TEST_REDIS:-}" ]] || ft_die "QAFLOW_TEST_PG_DSN/QAFLOW_TEST_REDIS not set"
  qf_spawn llm-stub "$stub" --port "$FT_STUB_PORT"
  qf_wait_for "llm stub" 60 qf_http_ok "http://127.0.0.1:$FT_STUB_PORT/health" || ft_die "stub did not start"
  qf_spawn storage "$storage" --port "$FT_STORAGE_PORT" --brokers "$FT_K" --pg-dsn "$QAFLOW_TEST_PG_DSN" \
    --redis "$QAFLOW_TEST_REDIS" --group "qaflow-storage-$FT_RUN"
  qf_wait_for "storage" 60 qf_http_ok "http://127.0.0.1:$FT_STORAGE_PORT/health" || ft_die "storage did not start"
  qf_spawn llm-worker "$worker" --brokers "$FT_K" --group "qaflow-llm-workers-$FT_RUN" --backend ollama \
    --llm-url "http://127.0.0.1:$FT_STUB_PORT" --metrics-port "$FT_WORKER_PORT"
  qf_wait_for "llm worker" 60 qf_http_ok "http://127.0.0.1:$FT_WORKER_PORT/health" || ft_die "worker did not start"
  # shellcheck disable=SC2086
  qf_spawn retry "$retry" --policy overload --brokers "$FT_K" --group "qaflow-retry-overload-$FT_RUN" \
    --pg-dsn "$QAFLOW_TEST_PG_DSN" --metrics-port "$FT_RETRY_PORT" ${RETRY_ARGS:-}
  qf_wait_for "retry consumer" 60 qf_http_ok "http://127.0.0.1:$FT_RETRY_PORT/health" || ft_die "retry did not start"
  ft_cluster_and_job --scorer "http://127.0.0.1:$FT_SCORER_PORT" "$@"
}

case_pipeline() {
  ft_init pipeline
  ft_scorer_start scorer "$FT_SCORER_PORT"
  scores "$FT_SCORER_PORT"
  pipeline_up --threshold "$THRESHOLD" --max-regenerations 2

  local tg="$FT_RUN good: which city is the capital of France?"
  local tb="$FT_RUN better: what is the capital city of France?"
  local tp="$FT_RUN poor: name the capital of France."
  local tf="$FT_RUN fatal: where does the French government sit?"
  local to="$FT_RUN overload: which French city is the capital?"
  local te="$FT_RUN empty: the capital of France, in one word?"
  script "$FT_RUN good:" "$(jq -cn --arg a "$GOOD" '[{status: 200, answer: $a}]')"
  script "$FT_RUN better:" "$(jq -cn --arg a "$P1" --arg b "$BETTER" '[{status: 200, answer: $a}, {status: 200, answer: $b}]')"
  script "$FT_RUN poor:" "$(jq -cn --arg a "$P1" --arg b "$P2" --arg c "$P3" \
    '[{status: 200, answer: $a}, {status: 200, answer: $b}, {status: 200, answer: $c}]')"
  script "$FT_RUN fatal:" '[{"status": 404}]'
  script "$FT_RUN overload:" "$(jq -cn --arg a "$GOOD" '[{status: 503}, {status: 200, answer: $a}]')"
  script "$FT_RUN empty:" "$(jq -cn --arg a "$GOOD" '[{status: 200, answer: ""}, {status: 200, answer: $a}]')"
  local qg qb qp qf qo qe
  qg="$(ask "$tg")"; qb="$(ask "$tb")"; qp="$(ask "$tp")"; qf="$(ask "$tf")"; qo="$(ask "$to")"; qe="$(ask "$te")"
  wait_status "$qg" completed; wait_status "$qb" completed; wait_status "$qp" completed; wait_status "$qf" failed
  wait_status "$qo" completed; wait_status "$qe" completed
  # a 200 with an empty answer is an answer: scored (as bert-score scores an empty candidate), then regenerated
  ft_eq "empty: attempts" "$(pg "SELECT processing_attempts FROM responses WHERE question_id = '$qe'")" 2
  ft_near "empty: first_score is the empty answer's" "$(pg "SELECT first_score FROM responses WHERE question_id = '$qe'")" "$S_EMPTY"
  ft_eq "empty: the regenerated answer kept" "$(pg "SELECT llm_response FROM responses WHERE question_id = '$qe'")" "$GOOD"
  ft_eq "empty: the empty attempt recorded" \
    "$(pg "SELECT llm_response = '' AND outcome = 'low_quality' FROM attempts WHERE question_id = '$qe' AND attempt_no = 1")" t
  ft_eq "empty: no LLM error" "$(pg "SELECT count(*) FROM llm_errors WHERE question_id = '$qe'")" 0
  ft_eq "overload: llm_errors row" \
    "$(pg "SELECT count(*) > 0 FROM llm_errors WHERE question_id = '$qo' AND error_type = 'overload'")" t
  ft_eq "overload: one attempt scored" "$(pg "SELECT processing_attempts FROM responses WHERE question_id = '$qo'")" 1
  ft_eq "processing_metrics: every stage has rows" "$(pg "SELECT string_agg(DISTINCT stage, ',' ORDER BY stage)
    FROM processing_metrics WHERE question_id IN ('$qg','$qb','$qp','$qo')")" "llm,persistence,queue,retry_wait,scoring"

  ft_eq "good: attempts" "$(pg "SELECT processing_attempts FROM responses WHERE question_id = '$qg'")" 1
  ft_eq "good: not below threshold" "$(pg "SELECT accepted_below_threshold FROM responses WHERE question_id = '$qg'")" f
  ft_near "good: bert_score" "$(pg "SELECT bert_score FROM responses WHERE question_id = '$qg'")" "$S_GOOD"
  ft_eq "better: attempts" "$(pg "SELECT processing_attempts FROM responses WHERE question_id = '$qb'")" 2
  ft_near "better: first_score" "$(pg "SELECT first_score FROM responses WHERE question_id = '$qb'")" "$S_P1"
  ft_near "better: bert_score" "$(pg "SELECT bert_score FROM responses WHERE question_id = '$qb'")" "$S_BETTER"
  ft_eq "better: response" "$(pg "SELECT llm_response FROM responses WHERE question_id = '$qb'")" "$BETTER"
  ft_eq "poor: attempts" "$(pg "SELECT processing_attempts FROM responses WHERE question_id = '$qp'")" 3
  ft_eq "poor: below threshold" "$(pg "SELECT accepted_below_threshold FROM responses WHERE question_id = '$qp'")" t
  ft_eq "poor: best response kept" "$(pg "SELECT llm_response FROM responses WHERE question_id = '$qp'")" "$BEST_TEXT"
  ft_eq "attempts rows (1 + 2 + 3)" "$(pg "SELECT count(*) FROM attempts WHERE question_id IN ('$qg','$qb','$qp')")" 6
  ft_eq "low_quality attempts (1 + 3)" \
    "$(pg "SELECT count(*) FROM attempts WHERE question_id IN ('$qb','$qp') AND outcome = 'low_quality'")" 4
  ft_near "first attempt score kept" "$(pg "SELECT bert_score FROM attempts WHERE question_id = '$qb' AND attempt_no = 1")" "$S_P1"
  ft_eq "questions completed" "$(pg "SELECT count(*) FROM questions WHERE question_id IN ('$qg','$qb','$qp') AND status = 'completed'")" 3
  ft_eq "question failed" "$(pg "SELECT status FROM questions WHERE question_id = '$qf'")" failed
  ft_eq "llm_errors fatal row" "$(pg "SELECT count(*) > 0 FROM llm_errors WHERE question_id = '$qf' AND error_type = 'fatal'")" t
  ft_eq "processing_metrics stages of the regenerated question" \
    "$(pg "SELECT count(DISTINCT stage) >= 3 FROM processing_metrics WHERE question_id = '$qb'")" t
  ft_eq "processing_metrics has scoring" \
    "$(pg "SELECT count(*) > 0 FROM processing_metrics WHERE question_id = '$qb' AND stage = 'scoring'")" t
  ft_near "regeneration_analysis improvement" \
    "$(pg "SELECT score_improvement FROM regeneration_analysis WHERE question_id = '$qb'")" \
    "$(awk -v a="$S_BETTER" -v b="$S_P1" 'BEGIN { printf "%.9f", a - b }')"
  ft_eq "error_distribution has rows" "$(pg "SELECT count(*) > 0 FROM error_distribution")" t
  ft_eq "latency_by_stage has rows" "$(pg "SELECT count(*) > 0 FROM latency_by_stage")" t
  ft_eq "one response row per question" \
    "$(pg "SELECT count(*) FROM responses WHERE question_id IN ('$qg','$qb','$qp')")" 3
}

# reask QID STAGE: QID failed at STAGE in run 1; asked again it completes as run 2, with run 1 kept.
reask() {
  local q="$1" stage="$2" text="$3" body st
  wait_status "$q" failed
  st="$(curl -sS --max-time 10 "http://127.0.0.1:$FT_STORAGE_PORT/status/$q")"
  ft_eq "$q: failed at" "$(jq -r '"\(.stage) run \(.run)"' <<<"$st")" "$stage run 1"
  body="$(jq -cn --arg q "$text" --arg a "$REF" '{question_text: $q, original_answer: $a}')"
  st="$(curl -sS --max-time 30 -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$FT_STORAGE_PORT/query")"
  ft_eq "$q: asked again" "$(jq -r '"\(.status) run \(.run)"' <<<"$st")" "pending run 2"
  wait_status "$q" completed
  st="$(curl -sS --max-time 10 "http://127.0.0.1:$FT_STORAGE_PORT/status/$q")"
  ft_eq "$q: completed as" "$(jq -r '"run \(.result.run): \(.result.llm_response)"' <<<"$st")" "run 2: $GOOD"
  ft_eq "$q: runs" "$(jq -c '[.result.runs[] | [.run, .status, .stage]]' <<<"$st")" "[[1,\"failed\",\"$stage\"],[2,\"completed\",null]]"
  ft_eq "$q: run 2 on every topic" "$(for t in questions-pending llm-responses-success validated-responses; do
    ft_msgs "$t" "$q" | jq -r 'select(.run == 2) | .run' | head -n1; done | tr '\n' ' ')" "2 2 2 "
  ft_eq "$q: one result row, of run 2" "$(pg "SELECT string_agg(run::text, ',') FROM responses WHERE question_id = '$q'")" 2
}

# runs: a question that failed at the LLM, at the retry stage or at the scorer, asked again, completes as run 2;
# a run whose job state is lost mid-chain (TaskManager killed, job started again without its checkpoint) still
# reports its best attempt and its first score.
case_runs() {
  ft_init runs
  # answers longer than --max-text are refused by the scorer (HTTP 400): the scorer-stage failure
  ft_scorer_start scorer "$FT_SCORER_PORT" --max-text 300
  scores "$FT_SCORER_PORT"
  local long; long="$(printf 'Paris %.0s' $(seq 1 80))"
  RETRY_ARGS="--max-retries 0" pipeline_up --threshold "$THRESHOLD" --max-regenerations 2 --checkpoint-interval-ms 1000
  # the poor answers from best to worst: the chain of the state-loss question starts with its best
  local hi lo mid s_hi
  read -r hi mid lo <<<"$(printf '%s\t1\n%s\t2\n%s\t3\n' "$S_P1" "$S_P2" "$S_P3" | sort -t$'\t' -k1,1gr | cut -f2 | tr '\n' ' ')"
  local -a poor=("" "$P1" "$P2" "$P3") pscore=("" "$S_P1" "$S_P2" "$S_P3")
  s_hi="${pscore[$hi]}"
  local tl="$FT_RUN llm: what is the capital of France, please?"
  local tr="$FT_RUN retry: tell me the capital of France."
  local ts="$FT_RUN scorer: the capital of France is which city?"
  local tx="$FT_RUN loss: France has which capital city?"
  script "$FT_RUN llm:" "$(jq -cn --arg a "$GOOD" '[{status: 404}, {status: 200, answer: $a}]')"
  script "$FT_RUN retry:" "$(jq -cn --arg a "$GOOD" '[{status: 503}, {status: 200, answer: $a}]')"
  script "$FT_RUN scorer:" "$(jq -cn --arg l "$long" --arg a "$GOOD" '[{status: 200, answer: $l}, {status: 200, answer: $a}]')"
  # the second attempt of the state-loss question is slow: the job is lost while it is being generated
  script "$FT_RUN loss:" "$(jq -cn --arg h "${poor[$hi]}" --arg l "${poor[$lo]}" --arg m "${poor[$mid]}" \
    '[{status: 200, answer: $h}, {status: 200, answer: $l, latency_ms: 8000}, {status: 200, answer: $m}]')"
  local ql qr qs qx
  ql="$(ask "$tl")"; qr="$(ask "$tr")"; qs="$(ask "$ts")"; qx="$(ask "$tx")"

  # the state loss: attempt 0 routed and checkpointed, then the TaskManager dies and the job is started
  # again without its checkpoint, from the position right after attempt 0 (attempt 1 is still being
  # generated, 8 s): the new job knows nothing of the chain so far
  ft_wait low-quality-responses "$qx" 1 >/dev/null
  local resume_ms; resume_ms="$(date +%s%3N)"
  local n; n="$(ft_completed_checkpoints)"; ft_wait_checkpoint_after "$n"
  local tm; tm="$(qf_pid flink-taskmanager)"; kill -KILL "$tm"
  ft_log "killed the TaskManager (pid $tm)"
  curl -fsS --max-time 10 -X PATCH "$(flink_url)/jobs/$FT_JOB?mode=cancel" >/dev/null || ft_die "cancel failed"
  local deadline=$((SECONDS + 120))
  until [[ "$(ft_job_state)" == CANCELED ]]; do ((SECONDS < deadline)) || ft_die "job not cancelled"; sleep 0.5; done
  flink_cluster_start
  FT_JOB="$(QAFLOW_FLINK_FRESH=1 flink_submit --group-id "qaflow-scorejob-$FT_RUN" \
    --starting-offsets "timestamp:$resume_ms" --job-name qaflow-scorejob \
    --scorer "http://127.0.0.1:$FT_SCORER_PORT" --threshold "$THRESHOLD" --max-regenerations 2)"
  flink_wait_running "$FT_JOB" || ft_die "job started without its checkpoint is not running"
  ft_eq "the new job restored nothing" \
    "$(curl -fsS --max-time 5 "$(flink_url)/jobs/$FT_JOB/checkpoints" | jq -r '.latest.restored.id // "none"')" none

  reask "$ql" llm "$tl"
  reask "$qr" retry "$tr"
  reask "$qs" score "$ts"

  wait_status "$qx" completed
  local v st
  v="$(ft_wait validated-responses "$qx" 1 | tail -n1)"
  ft_eq "state loss: the job did not know the first score" "$(jq -r 'has("first_score")' <<<"$v")" false
  st="$(curl -sS --max-time 10 "http://127.0.0.1:$FT_STORAGE_PORT/status/$qx")"
  for ((i = 0; i < 60; i++)); do
    awk -v a="$(jq -r .result.bert_score <<<"$st")" -v b="$s_hi" 'BEGIN { d = a - b; exit !(d < 1e-6 && d > -1e-6) }' && break
    sleep 0.5; st="$(curl -sS --max-time 10 "http://127.0.0.1:$FT_STORAGE_PORT/status/$qx")"
  done
  ft_near "state loss: best of the run" "$(jq -r .result.bert_score <<<"$st")" "$s_hi"
  ft_near "state loss: first score of the run" "$(jq -r .result.first_score <<<"$st")" "$s_hi"
  ft_eq "state loss: best answer" "$(jq -r .result.llm_response <<<"$st")" "${poor[$hi]}"
  ft_eq "state loss: attempts" "$(jq -r .result.processing_attempts <<<"$st")" 3
  ft_eq "state loss: attempts rows" "$(pg "SELECT count(*) FROM attempts WHERE question_id = '$qx' AND run = 1")" 3
  ft_eq "state loss: the chain was not replayed" "$(ft_msgs low-quality-responses "$qx" | jq -r .retry_count | tr '\n' ' ')" "0 1 2 "
}

case "${1:-}" in
  routing) case_routing ;;
  scorer_outage) case_scorer_outage ;;
  restart) case_restart ;;
  pipeline) case_pipeline ;;
  runs) case_runs ;;
  cli) case_cli ;;
  *) echo "usage: $0 routing|scorer_outage|restart|pipeline|runs|cli" >&2; exit 2 ;;
esac
ft_log "PASS ${1}"
