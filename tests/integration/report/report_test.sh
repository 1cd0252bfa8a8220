#!/usr/bin/env bash
# tests/integration/report/report_test.sh: the analysis functions and ./qaflow report against a database filled by
# the real pipeline (storage, LLM worker, both retry consumers, scorer, Flink ScoreJob) with the LLM stub.
# A private database (qaflow_report_<pid>) on the test stack's PostgreSQL and consumer groups that start at the
# end of every topic keep other tests' questions out. Ports: QAFLOW_TEST_PORT_BASE + 850..899.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=/dev/null
source "$HERE/../flink/lib.sh"

REF="Paris is the capital and most populous city of France, on the river Seine."
GOOD="$REF"
BETTER="Paris, on the river Seine, is the capital and the most populous city of France."
P1="Bananas are a good source of potassium and grow in warm climates."
P2="I really enjoy trains, long walks and quiet evenings with a good book."
P3="Tomorrow the weather will probably be cloudy with some light rain."

ft_init report
base="$QAFLOW_TEST_PORT_BASE"
# Ports of their own (the flink tests use +800..849).
export QAFLOW_FLINK_PORT=$((base + 851)) QAFLOW_FLINK_RPC_PORT=$((base + 852))
FT_SCORER_PORT=$((base + 860)) FT_STORAGE_PORT=$((base + 870)) FT_STUB_PORT=$((base + 871))
FT_WORKER_PORT=$((base + 872)) FT_RETRY_PORT=$((base + 873)) RETRY_QUOTA_PORT=$((base + 874))
[[ -n "${QAFLOW_TEST_PG_DSN:-}" && -n "${QAFLOW_TEST_REDIS:-}" ]] || ft_die "QAFLOW_TEST_PG_DSN/QAFLOW_TEST_REDIS not set"

# The private database: the test stack's server and role, migrations applied by the launcher's code.
[[ "$QAFLOW_TEST_PG_DSN" =~ ^postgresql://([^:]+):([^@]+)@127\.0\.0\.1:([0-9]+)/(.+)$ ]] || ft_die "DSN $QAFLOW_TEST_PG_DSN"
export QAFLOW_PG_USER="${BASH_REMATCH[1]}" QAFLOW_PG_PASSWORD="${BASH_REMATCH[2]}" QAFLOW_PG_PORT="${BASH_REMATCH[3]}"
export QAFLOW_PG_DB="qaflow_report_$$"
DSN="postgresql://$QAFLOW_PG_USER:$QAFLOW_PG_PASSWORD@127.0.0.1:$QAFLOW_PG_PORT/$QAFLOW_PG_DB"
# shellcheck source=/dev/null
for f in "$QAFLOW_ROOT"/infra/components/postgres.sh "$QAFLOW_ROOT"/infra/components/kafka.sh; do source "$f"; done
psql "$QAFLOW_TEST_PG_DSN" -Xq -c "CREATE DATABASE $QAFLOW_PG_DB" || ft_die "cannot create $QAFLOW_PG_DB"
# ft_cleanup stops the rest and exits with the status it finds in $? (hence the `rc_is || ft_cleanup`).
rc_is() { return "$1"; }
report_cleanup() {
  local rc=$?
  qf_stop retry-quota 20 2>/dev/null || true
  psql "$QAFLOW_TEST_PG_DSN" -Xq -c "DROP DATABASE IF EXISTS $QAFLOW_PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
  rc_is "$rc" && ft_cleanup || ft_cleanup
}
trap report_cleanup EXIT
postgres_migrate >/dev/null || ft_die "migrations failed"
pg() { psql "$DSN" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

# start_at_end GROUP TOPIC...: commit GROUP's offsets at the end of each TOPIC before its consumer starts.
start_at_end() {
  local group="$1" t; shift
  local -a topics=()
  for t in "$@"; do topics+=(--topic "$t"); done
  kafka_java org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$FT_K" \
    --group "$group" --reset-offsets --to-latest "${topics[@]}" --execute >/dev/null \
    || ft_die "cannot set the offsets of $group"
}

stub="$(ft_bin qaflow-llm-stub)"; storage="$(ft_bin qaflow-storage)"; worker="$(ft_bin qaflow-llm-worker)"
retry="$(ft_bin qaflow-retry)"
start_at_end "qaflow-storage-$FT_RUN" validated-responses low-quality-responses questions-failed
start_at_end "qaflow-llm-workers-$FT_RUN" questions-pending
start_at_end "qaflow-retry-overload-$FT_RUN" llm-responses-error-overload
start_at_end "qaflow-retry-quota-$FT_RUN" llm-responses-error-quota
ft_scorer_start scorer "$FT_SCORER_PORT"
qf_spawn llm-stub "$stub" --port "$FT_STUB_PORT"
qf_wait_for "llm stub" 60 qf_http_ok "http://127.0.0.1:$FT_STUB_PORT/health" || ft_die "stub did not start"
qf_spawn storage "$storage" --port "$FT_STORAGE_PORT" --kafka "$FT_K" --pg-dsn "$DSN" \
  --redis "$QAFLOW_TEST_REDIS" --cache-prefix "qaflow:report-$FT_RUN:" --group "qaflow-storage-$FT_RUN"
qf_wait_for "storage" 60 qf_http_ok "http://127.0.0.1:$FT_STORAGE_PORT/health" || ft_die "storage did not start"
qf_spawn llm-worker "$worker" --brokers "$FT_K" --group "qaflow-llm-workers-$FT_RUN" --backend ollama \
  --llm-url "http://127.0.0.1:$FT_STUB_PORT" --metrics-port "$FT_WORKER_PORT"
qf_wait_for "llm worker" 60 qf_http_ok "http://127.0.0.1:$FT_WORKER_PORT/health" || ft_die "worker did not start"
qf_spawn retry "$retry" --policy overload --brokers "$FT_K" --group "qaflow-retry-overload-$FT_RUN" \
  --pg-dsn "$DSN" --metrics-port "$FT_RETRY_PORT"
qf_spawn retry-quota "$retry" --policy quota --brokers "$FT_K" --group "qaflow-retry-quota-$FT_RUN" \
  --pg-dsn "$DSN" --metrics-port "$RETRY_QUOTA_PORT"
qf_wait_for "retry overload" 60 qf_http_ok "http://127.0.0.1:$FT_RETRY_PORT/health" || ft_die "retry did not start"
qf_wait_for "retry quota" 60 qf_http_ok "http://127.0.0.1:$RETRY_QUOTA_PORT/health" || ft_die "retry quota did not start"
# Threshold between the poor answers and the good ones, as the scorer scores them.
S_GOOD="$(ft_score "$FT_SCORER_PORT" "$GOOD" "$REF")"; S_BETTER="$(ft_score "$FT_SCORER_PORT" "$BETTER" "$REF")"
S_P="$(for a in "$P1" "$P2" "$P3"; do ft_score "$FT_SCORER_PORT" "$a" "$REF"; echo; done | sort -g | tail -n1)"
THRESHOLD="$(awk -v g="$S_GOOD" -v b="$S_BETTER" -v p="$S_P" 'BEGIN { hi = g < b ? g : b;
  if (hi - p < 0.02) exit 1; printf "%.6f", (p + hi) / 2 }')" || ft_die "the scorer does not separate good from poor (premise)"
ft_cluster_and_job --scorer "http://127.0.0.1:$FT_SCORER_PORT" --threshold "$THRESHOLD" --max-regenerations 2

script() {
  curl -fsS --max-time 10 -H 'Content-Type: application/json' \
    -d "$(jq -cn --arg m "$1" --argjson r "$2" '{match: $m, responses: $r}')" \
    "http://127.0.0.1:$FT_STUB_PORT/admin/script" >/dev/null || ft_die "stub script"
}
ask() {
  local res
  res="$(curl -sS --max-time 30 -H 'Content-Type: application/json' \
    -d "$(jq -cn --arg q "$1" --arg a "$REF" '{question_text: $q, original_answer: $a}')" \
    "http://127.0.0.1:$FT_STORAGE_PORT/query")"
  jq -er '.question_id' <<<"$res" || ft_die "POST /query: $res"
}
wait_final() {
  local deadline=$((SECONDS + 300)) s
  while :; do
    s="$(curl -sS --max-time 10 "http://127.0.0.1:$FT_STORAGE_PORT/status/$1" | jq -r '.status // empty')" || true
    [[ "$s" == completed || "$s" == failed ]] && return 0
    ((SECONDS < deadline)) || ft_die "$1 not finished after 300 s (last: $s)"
    sleep 1
  done
}

# What each kind of question meets at the stub (the last response repeats).
a() { jq -cn --arg a "$1" '{status: 200, answer: $a}'; }
declare -A KIND=(
  [good]="[$(a "$GOOD")]"
  [better]="[$(a "$P1"), $(a "$BETTER")]"
  [poor]="[$(a "$P1"), $(a "$P2"), $(a "$P3")]"
  [fatal]='[{"status": 404}]'
  [overload]="[{\"status\": 503}, {\"status\": 503}, $(a "$GOOD")]"
  [quota]="[{\"status\": 402, \"retry_after_s\": 1}, $(a "$GOOD")]"
  [dead]='[{"status": 503}]'
)
SINCE="$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)"
declare -a QIDS=()
for k in good better poor fatal overload quota dead; do
  for i in 1 2; do
    [[ $k == good || $k == better || $i == 1 ]] || continue
    script "$FT_RUN $k $i:" "${KIND[$k]}"
    QIDS+=("$(ask "$FT_RUN $k $i: what is the capital of France?")")
  done
done
for q in "${QIDS[@]}"; do wait_final "$q"; done
ft_log "ok  ${#QIDS[@]} questions finished"
# Each message the pipeline wrote is in the database (the scripted run, counted directly).
ft_eq "completed" "$(pg "SELECT count(*) FROM questions WHERE status = 'completed'")" 7
ft_eq "failed" "$(pg "SELECT count(*) FROM questions WHERE status = 'failed'")" 2
ft_eq "analysis_summary completed/failed/regenerated" \
  "$(pg "SELECT completed || '/' || failed || '/' || regenerated FROM analysis_summary('$SINCE', NULL)")" 7/2/3
ft_eq "analysis_attempts" "$(pg "SELECT string_agg(processing_attempts || ':' || questions, ' ')
  FROM analysis_attempts('$SINCE', NULL)")" "1:4 2:2 3:1"
ft_eq "analysis_errors" "$(pg "SELECT string_agg(error_type || ' ' || http_status || ' ' || occurrences, ', '
  ORDER BY error_type) FROM analysis_errors('$SINCE', NULL)")" "fatal 404 1, overload 503 6, quota 402 1"
ft_eq "analysis_retry_delays applied (overload n=0..3, quota with Retry-After 1 s)" \
  "$(pg "SELECT string_agg(error_type || error_retries || '=' || COALESCE(applied_avg_ms::text, 'dead'), ' '
  ORDER BY error_type, error_retries) FROM analysis_retry_delays('$SINCE', NULL)")" \
  "overload0=1000 overload1=2000 overload2=4000 overload3=dead quota0=1000"
ft_eq "observed delay at least the applied one" "$(pg "SELECT bool_and(observed_ms >= applied_ms)
  FROM analysis_retry_events('$SINCE', NULL) WHERE applied_ms IS NOT NULL")" t
ft_eq "end_to_end_persisted at least end_to_end_produced" "$(pg "SELECT bool_and(e.ms >= r.total_processing_time_ms)
  FROM analysis_e2e_persisted('$SINCE', NULL) e JOIN responses r USING (question_id)")" t
python3 "$HERE/check_analysis.py" "$DSN" "$SINCE" >&2 || ft_die "analysis functions differ from the raw tables"

# The report, through the launcher, with an experiment result to include.
OUT="$QAFLOW_VAR/report"
mkdir -p "$QAFLOW_VAR/experiments"
printf '# sync vs async\n\n| mode | p50 |\n|---|---|\n| marker-%s | 1 |\n' "$FT_RUN" >"$QAFLOW_VAR/experiments/sync.md"
printf 'size,lru,lfu\n1mb,0.5,0.6\n' >"$QAFLOW_VAR/experiments/cache.csv"
"$QAFLOW_ROOT/qaflow" report --out "$OUT" >&2 || ft_die "./qaflow report failed"
python3 "$HERE/check_report.py" "$OUT" "$DSN" "marker-$FT_RUN" >&2 || ft_die "report check"
# A period with nothing in it still gives every file; a bad time is refused and writes nothing.
"$QAFLOW_ROOT/qaflow" report --since "$SINCE" --until "$SINCE" --out "$QAFLOW_VAR/empty" >&2 || ft_die "empty report failed"
ft_eq "empty period: charts" "$(find "$QAFLOW_VAR/empty/charts" -name '*.png' -size +1k | wc -l)" 8
if "$QAFLOW_ROOT/qaflow" report --since yesterday-ish --out "$QAFLOW_VAR/bad" 2>"$QAFLOW_VAR/bad.err"; then
  ft_die "a bad --since was accepted"
fi
grep -q "is not a time" "$QAFLOW_VAR/bad.err" || ft_die "bad --since: $(cat "$QAFLOW_VAR/bad.err")"
[[ ! -e "$QAFLOW_VAR/bad" ]] || ft_die "a refused report wrote $QAFLOW_VAR/bad"
ft_log "PASS report"
