#!/usr/bin/env bash
# 05_service.sh -- /health, /metrics (JSON and Prometheus), --help, bad flags, graceful SIGTERM.
source "$(dirname "$0")/lib.sh"
require_env

note "--help prints the configuration table; a bad flag is refused with exit 2"
"$STORAGE_BIN" --help >"$TMPDIR_T/help" || fail "--help failed"
for f in --port --pg-dsn --redis --brokers QAFLOW_STORAGE_PORT QAFLOW_PG_DSN -X; do
  grep -q -- "$f" "$TMPDIR_T/help" || fail "--help does not mention $f"
done
set +e
"$STORAGE_BIN" --port=notanumber 2>"$TMPDIR_T/err"; rc=$?
set -e
[[ $rc == 2 ]] && grep -q "port" "$TMPDIR_T/err" || fail "bad --port: rc=$rc $(cat "$TMPDIR_T/err")"

start_storage service $((QAFLOW_TEST_PORT_BASE + 130))
note "/health: 200 with every dependency up"
http GET "$STORAGE_URL/health"; h="$BODY"
expect_code 200 health
jq -e '.status == "ok" and .dependencies.postgresql.status == "up" and .dependencies.redis.status == "up"
  and .dependencies.kafka.status == "up" and (.outbox_pending | type == "number")' <<<"$h" >/dev/null || fail "health: $h"

note "/metrics JSON has the seed's fields"
post_query "$(unique 'Metrics?')" 'Yes.'; qid="$(jq -r .question_id <<<"$BODY")"
http GET "$STORAGE_URL/status/$qid"
http GET "$STORAGE_URL/metrics"; m="$BODY"
expect_code 200 metrics
jq -e '(.total_responses | type == "number") and (.attempts_distribution | type == "object")
  and has("average_score") and (.cache_info | has("hits") and has("misses") and has("hit_rate") and has("policy"))
  and .cache_info.misses >= 1 and .questions.pending >= 1' <<<"$m" >/dev/null || fail "metrics JSON: $m"
[[ "$(jq -r .cache_info.policy <<<"$m")" =~ ^allkeys- ]] || fail "policy: $(jq -r .cache_info.policy <<<"$m")"
total_db="$(psql_q "SELECT count(*) FROM responses")"
[[ "$(jq -r .total_responses <<<"$m")" -le "$total_db" ]] || fail "total_responses above the database count"

note "Prometheus text by ?format=prometheus and by Accept"
ct="$(curl -sS -o "$TMPDIR_T/prom1" -w '%{content_type}' "$STORAGE_URL/metrics?format=prometheus")"
[[ "$ct" == text/plain* ]] || fail "content type $ct"
grep -q '^# TYPE qaflow_storage_queries_total counter' "$TMPDIR_T/prom1" || fail "no queries counter"
grep -Eq '^qaflow_storage_queries_total\{outcome="enqueued"\} [1-9]' "$TMPDIR_T/prom1" || fail "enqueued counter not counted"
grep -q '^qaflow_storage_cache_misses_total [1-9]' "$TMPDIR_T/prom1" || fail "cache misses not counted"
grep -q '^qaflow_http_request_duration_seconds_bucket{le="+Inf"}' "$TMPDIR_T/prom1" || fail "no http histogram"
curl -sS -H 'Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1' \
  -o "$TMPDIR_T/prom2" "$STORAGE_URL/metrics"
grep -q '^# TYPE qaflow_storage_questions gauge' "$TMPDIR_T/prom2" || fail "Accept did not give Prometheus text"
curl -sS -H 'Accept: application/json' "$STORAGE_URL/metrics" | jq -e .total_responses >/dev/null || fail "Accept json"

note "health turns 503 when Redis is unreachable (an instance pointed at a closed port)"
"$STORAGE_BIN" --port $((QAFLOW_TEST_PORT_BASE + 131)) --brokers "$QAFLOW_TEST_KAFKA" --pg-dsn "$QAFLOW_TEST_PG_DSN" \
  --redis 127.0.0.1:$((QAFLOW_TEST_PORT_BASE + 139)) --no-consumer --no-relay >"$TMPDIR_T/noredis.log" 2>&1 &
STORAGE_PIDS+=($!)
for ((i = 0; i < 100; i++)); do
  code=$(curl -s -o "$TMPDIR_T/h2" -w '%{http_code}' "http://127.0.0.1:$((QAFLOW_TEST_PORT_BASE + 131))/health" || true)
  [[ "$code" == 503 || "$code" == 200 ]] && break
  sleep 0.2
done
[[ "$code" == 503 ]] && jq -e '.dependencies.redis.status == "down"' "$TMPDIR_T/h2" >/dev/null || fail "no-redis health: $code $(cat "$TMPDIR_T/h2")"
note "... and questions are still accepted without the cache"
code=$(curl -s -o "$TMPDIR_T/r" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data "$(jq -nc --arg q "$(unique 'No cache?')" '{question_text: $q, original_answer: "ok"}')" \
  "http://127.0.0.1:$((QAFLOW_TEST_PORT_BASE + 131))/query")
[[ "$code" == 202 ]] || fail "POST without Redis: $code $(cat "$TMPDIR_T/r")"

note "SIGTERM: clean exit 0"
kill -TERM "$STORAGE_PID"
set +e
for ((i = 0; i < 300; i++)); do kill -0 "$STORAGE_PID" 2>/dev/null || break; sleep 0.1; done
wait "$STORAGE_PID"; rc=$?
set -e
[[ $rc == 0 ]] || fail "exit code $rc after SIGTERM"
grep -q "INFO storage: stopped" "$TMPDIR_T/service.log" || fail "no 'stopped' log line"
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z (DEBUG|INFO|WARN|ERROR) storage: ' "$TMPDIR_T/service.log" || fail "log format"
echo PASS
