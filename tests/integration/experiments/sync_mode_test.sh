#!/usr/bin/env bash
# sync_mode_test.sh: POST /query?mode=sync against the real scorer and the LLM stub (test stack's PostgreSQL, Redis, Kafka).
# Usage: sync_mode_test.sh shape|pool
#   shape  a good answer is accepted at once; a poor one is regenerated to the cap and the best kept
#          (accepted_below_threshold, 4 attempts stored); the sync 200 has the same result keys as a question
#          completed by the asynchronous path (its validated-responses message through the persistence
#          consumer) and equals GET /status afterwards; an LLM 503 gives 502 with error_type overload and
#          stores nothing; ?attempts=all returns 4 scores and stores nothing; a bad mode is a 400.
#   pool   --sync-workers 1: while one question waits for a slow LLM, a second gets 503 with Retry-After;
#          after it, the next is answered.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=/dev/null
source "$HERE/lib.sh"
CASE="${1:?usage: sync_mode_test.sh shape|pool}"
ex_init "sync-$CASE"
command -v kcat >/dev/null || ex_die "kcat is not installed"
W="$QAFLOW_VAR"
T="[$EX_RUN]"
REF="The capital of France is Paris, a city on the Seine known for the Eiffel Tower and the Louvre."
psql_q() { psql "$QAFLOW_TEST_PG_DSN" -XAtq -c "$1"; }

case "$CASE" in
shape)
  ex_stack --sync-workers 2
  ex_script "$T good" "[{\"answer\":\"$REF\"}]"
  ex_script "$T poor" '[{"answer":"Bananas are yellow."},{"answer":"I like trains."},{"answer":"Bananas are yellow."},{"answer":"Seven."}]'
  ex_script "$T overload" '[{"status":503}]'
  code="$(ex_post "$W/good.json" mode=sync "$T good: what is the capital of France?" "$REF")"
  check_eq "good: 200" 200 "$code"
  check_eq "good: completed, source sync" "completed sync" "$(jq -r '.status + " " + .source' "$W/good.json")"
  check_eq "good: one attempt, not below the threshold" "1 false" \
    "$(jq -r '"\(.result.processing_attempts) \(.result.accepted_below_threshold)"' "$W/good.json")"
  check "good: score at or above 0.5" "jq -e '.result.bert_score >= 0.5' '$W/good.json' >/dev/null"
  gid="$(jq -r .question_id "$W/good.json")"
  curl -fsS "$EX_URL/status/$gid" >"$W/good_status.json"
  check_eq "GET /status returns the same result" "$(jq -S .result "$W/good.json")" "$(jq -S .result "$W/good_status.json")"

  code="$(ex_post "$W/poor.json" mode=sync "$T poor: what is the capital of France?" "$REF")"
  check_eq "poor: 200" 200 "$code"
  check_eq "poor: 4 attempts, accepted below the threshold" "4 true" \
    "$(jq -r '"\(.result.processing_attempts) \(.result.accepted_below_threshold)"' "$W/poor.json")"
  pid_="$(jq -r .question_id "$W/poor.json")"
  check_eq "poor: 4 attempts stored" 4 "$(psql_q "SELECT count(*) FROM attempts WHERE question_id = '$pid_'")"
  check_eq "poor: the kept score is the best attempt's" \
    "$(psql_q "SELECT round(max(bert_score)::numeric, 6) FROM attempts WHERE question_id = '$pid_'")" \
    "$(jq -r '.result.bert_score * 1000000 | round / 1000000' "$W/poor.json" | xargs printf '%.6f')"
  check_eq "poor: 4 LLM requests with 4 different seeds" 4 \
    "$(curl -fsS "$EX_STUB/admin/requests?match=$(jq -rn --arg m "$T poor" '$m|@uri')" | jq '[.requests[].seed] | unique | length')"

  # The asynchronous path: POST /query (202), then the ScoreJob's validated message through the consumer.
  code="$(ex_post "$W/async.json" "" "$T async: what is the capital of France?" "$REF")"
  check_eq "async: 202" 202 "$code"
  aid="$(jq -r .question_id "$W/async.json")"
  ts="$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)"
  jq -cn --arg q "$aid" --arg t "$T async: what is the capital of France?" --arg a "$REF" --arg ts "$ts" \
    '{question_id:$q, question_text:$t, llm_response:"Paris.", original_answer:$a, bert_score:0.7,
      processing_attempts:1, total_processing_time_ms:900, timestamp:$ts, accepted_below_threshold:false,
      first_score:0.7, created_at:$ts, llm_started_at:$ts, llm_finished_at:$ts, scored_at:$ts, model:"tinyllama"}' |
    kcat -P -X partitioner=murmur2_random -b "$QAFLOW_TEST_KAFKA" -t validated-responses -k "$aid"
  for _ in $(seq 1 300); do
    curl -fsS "$EX_URL/status/$aid" >"$W/async_status.json" 2>/dev/null || true
    [[ "$(jq -r .status "$W/async_status.json" 2>/dev/null)" == completed ]] && break
    sleep 0.2
  done
  check_eq "async: completed" completed "$(jq -r .status "$W/async_status.json")"
  check_eq "sync and async results have the same keys" "$(jq -c '.result | keys' "$W/async_status.json")" \
    "$(jq -c '.result | keys' "$W/good.json")"
  check_eq "sync and async replies have the same top-level keys" "$(jq -c 'keys' "$W/async_status.json")" \
    "$(jq -c 'keys' "$W/good.json")"

  code="$(ex_post "$W/over.json" mode=sync "$T overload: what is the capital of France?" "$REF")"
  check_eq "LLM 503: 502" 502 "$code"
  check_eq "LLM 503: failed at stage llm, overload" "failed llm overload 503" \
    "$(jq -r '"\(.status) \(.stage) \(.error_type) \(.http_status)"' "$W/over.json")"
  oid="$(jq -r .question_id "$W/over.json")"
  check_eq "LLM 503: nothing stored" 0 "$(psql_q "SELECT count(*) FROM questions WHERE question_id = '$oid'")"

  code="$(ex_post "$W/cal.json" "mode=sync&attempts=all" "$T good calibration: what is the capital of France?" "$REF")"
  check_eq "attempts=all: 200" 200 "$code"
  check_eq "attempts=all: 4 scored attempts" 4 "$(jq '[.attempts[] | select(.bert_score | type == "number")] | length' "$W/cal.json")"
  cid="$(jq -r .question_id "$W/cal.json")"
  check_eq "attempts=all: nothing stored" 0 "$(psql_q "SELECT count(*) FROM questions WHERE question_id = '$cid'")"
  check_eq "bad mode: 400" 400 "$(ex_post "$W/bad.json" mode=fast "$T x" "y")"
  check_eq "bad attempts: 400" 400 "$(ex_post "$W/bad.json" "mode=sync&attempts=2" "$T x" "y")"
  ;;
pool)
  ex_stack --sync-workers 1
  ex_script "$T slow" "[{\"answer\":\"$REF\",\"latency_ms\":4000}]"
  ex_script "$T next" "[{\"answer\":\"$REF\"}]"
  ex_post "$W/slow.json" mode=sync "$T slow: what is the capital of France?" "$REF" >"$W/slow.code" &
  SLOW=$!
  # wait (bounded) until the stub holds the slow request: the only worker is busy
  for _ in $(seq 1 100); do
    n="$(curl -fsS "$EX_STUB/admin/requests?match=$(jq -rn --arg m "$T slow" '$m|@uri')" | jq '.requests | length')"
    ((n >= 1)) && break
    sleep 0.1
  done
  check_eq "the slow question reached the LLM" 1 "$n"
  code="$(curl -sS -D "$W/busy.hdr" -o "$W/busy.json" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "$(jq -n --arg q "$T next: what is the capital of France?" --arg a "$REF" '{question_text:$q, original_answer:$a}')" \
    "$EX_URL/query?mode=sync")"
  check_eq "pool full: 503" 503 "$code"
  check "pool full: Retry-After" "grep -qi '^retry-after:' '$W/busy.hdr'"
  wait "$SLOW"
  check_eq "the slow question: 200" 200 "$(cat "$W/slow.code")"
  check_eq "after it: the next question is answered" 200 \
    "$(ex_post "$W/next.json" mode=sync "$T next: what is the capital of France?" "$REF")"
  check "metrics count the busy refusal" \
    "grep -q 'qaflow_storage_sync_queries_total{outcome=\"busy\"} 1' <<<\"\$(curl -fsS '$EX_URL/metrics?format=prometheus')\""
  ;;
*) ex_die "unknown case $CASE" ;;
esac
finish
