#!/usr/bin/env bash
# tests/integration/partition/partition_test.sh: one key, one partition (docs/messages.md, Partitioning).
# The same question_ids go through every real producer path: qaflow-storage's outbox relay, qaflow-retry
# --policy overload and --policy quota (librdkafka, qaflow_common's producer), the ScoreJob's regeneration
# and validated sinks (the Java client in Flink's KafkaSink); the test's own inputs go through kcat. Every
# key must be on one partition per topic, and on the partition the Java client computes (JavaPartition.java).
# Also: a producer property that tries to change the partitioner is refused at startup.
# Environment: ./qaflow test-stack env (+ QAFLOW_BIN_DIR). Ports: those of the flink tests (lib.sh) and +824.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=/dev/null
source "$HERE/../flink/lib.sh"

N="${QAFLOW_PARTITION_KEYS:-20}"
REF="Paris is the capital and most populous city of France, on the river Seine."
POOR="Bananas are a good source of potassium and grow in warm climates."

ft_init partition
[[ -n "${QAFLOW_TEST_PG_DSN:-}" && -n "${QAFLOW_TEST_REDIS:-}" ]] || ft_die "QAFLOW_TEST_PG_DSN/QAFLOW_TEST_REDIS not set"
# shellcheck source=/dev/null
source "$QAFLOW_ROOT/infra/components/kafka.sh"
QUOTA_PORT=$((QAFLOW_TEST_PORT_BASE + 824))
trap 'rc=$?; qf_stop retry-quota 20 >/dev/null 2>&1 || true; (exit $rc); ft_cleanup' EXIT
storage="$(ft_bin qaflow-storage)"; retry="$(ft_bin qaflow-retry)"
T0=$SECONDS

# 1. the partitioner cannot be overridden by a caller's -X (plain or topic.-prefixed): a clear error
for prop in partitioner=consistent_random topic.partitioner=random; do
  out="$(timeout 30 "$retry" --policy overload --brokers "$FT_K" --group "qaflow-retry-$FT_RUN" \
    --pg-dsn "$QAFLOW_TEST_PG_DSN" --metrics-port 0 -X "$prop" 2>&1)" && ft_die "qaflow-retry -X $prop started"
  grep -q "partitioner=.*murmur2_random" <<<"$out" || ft_die "qaflow-retry -X $prop: no partitioner error in: $out"
  ft_log "ok  -X $prop refused"
done

# 2. the producers: storage, both retry consumers (default topics), the scorer and the ScoreJob
qf_spawn storage "$storage" --port "$FT_STORAGE_PORT" --brokers "$FT_K" --pg-dsn "$QAFLOW_TEST_PG_DSN" \
  --redis "$QAFLOW_TEST_REDIS" --group "qaflow-storage-$FT_RUN"
qf_spawn retry "$retry" --policy overload --brokers "$FT_K" --group "qaflow-retry-overload-$FT_RUN" \
  --pg-dsn "$QAFLOW_TEST_PG_DSN" --metrics-port "$FT_RETRY_PORT"
qf_spawn retry-quota "$retry" --policy quota --brokers "$FT_K" --group "qaflow-retry-quota-$FT_RUN" \
  --pg-dsn "$QAFLOW_TEST_PG_DSN" --metrics-port "$QUOTA_PORT"
ft_scorer_start scorer "$FT_SCORER_PORT"
S_GOOD="$(ft_score "$FT_SCORER_PORT" "$REF" "$REF")"; S_POOR="$(ft_score "$FT_SCORER_PORT" "$POOR" "$REF")"
THRESHOLD="$(awk -v g="$S_GOOD" -v p="$S_POOR" 'BEGIN { if (g - p < 0.02) exit 1; printf "%.6f", (g + p) / 2 }')" \
  || ft_die "the scorer does not separate $S_GOOD from $S_POOR (test premise)"
qf_wait_for "storage" 60 qf_http_ok "http://127.0.0.1:$FT_STORAGE_PORT/health" || ft_die "storage did not start"
qf_wait_for "retry overload" 60 qf_http_ok "http://127.0.0.1:$FT_RETRY_PORT/health" || ft_die "retry overload did not start"
qf_wait_for "retry quota" 60 qf_http_ok "http://127.0.0.1:$QUOTA_PORT/health" || ft_die "retry quota did not start"
ft_cluster_and_job --scorer "http://127.0.0.1:$FT_SCORER_PORT" --threshold "$THRESHOLD" --max-regenerations 2
ft_log "everything up after $((SECONDS - T0)) s"

# seen TOPIC: "key<TAB>partition<TAB>value" of this run's keys on TOPIC since the test started.
seen() {
  kcat -C -b "$FT_K" -t "$1" -o "s@$FT_START_MS" -e -q -f '%k\t%p\t%s\n' 2>/dev/null \
    | awk -F'\t' 'NR == FNR { want[$1] = 1; next } ($1 in want)' "$QAFLOW_VAR/ids" -
}
# tagged TOPIC: "key<TAB>partition<TAB>path" of this run's keys on TOPIC. On questions-pending the path is
# told by what each producer sets: storage retry_count 0 / error_retries 0, the overload retry error_retries
# 1, the quota retry 3 (from the errors of step 4), the ScoreJob's regeneration retry_count 1.
tagged() {
  local f="$QAFLOW_VAR/tagged.$1"
  seen "$1" >"$f"
  case "$1" in
    questions-pending) paste <(cut -f1,2 "$f") <(cut -f3- "$f" | jq -r 'if .retry_count == 1 then "flink-regeneration"
        elif .error_retries == 1 then "retry-overload" elif .error_retries == 3 then "retry-quota"
        elif .error_retries == 0 then "storage" else "unknown" end') ;;
    validated-responses) cut -f1,2 "$f" | sed 's/$/\tflink-validated/' ;;
    low-quality-responses) cut -f1,2 "$f" | sed 's/$/\tflink-low-quality/' ;;
    *) cut -f1,2 "$f" | sed 's/$/\tkcat/' ;;
  esac
}
# wait_keys TOPIC PATH: until N distinct keys came through PATH on TOPIC (120 s at most).
wait_keys() {
  local deadline=$((SECONDS + 120)) n=0
  while :; do
    n="$(tagged "$1" | awk -F'\t' -v p="$2" '$3 == p { print $1 }' | sort -u | wc -l)"
    ((n >= N)) && { ft_log "ok  $2: $n keys on $1"; return 0; }
    ((SECONDS < deadline)) || ft_die "$2: only $n of $N keys on $1 after 120 s"
    sleep 0.5
  done
}

# 3. storage: N questions (storage picks the question_ids; every later path reuses them)
: >"$QAFLOW_VAR/ids"
for i in $(seq "$N"); do
  body="$(jq -cn --arg q "$FT_RUN partition question $i: which city is the capital of France?" --arg a "$REF" \
    '{question_text: $q, original_answer: $a}')"
  res="$(curl -sS --max-time 30 -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$FT_STORAGE_PORT/query")"
  jq -er '.question_id' <<<"$res" >>"$QAFLOW_VAR/ids" || ft_die "POST /query: $res"
done
wait_keys questions-pending storage

# 4. the retry consumers: an overload error (error_retries 0 -> forwarded with 1, after 1 s) and a quota
#    error (error_retries 2 -> 3, Retry-After 1 s) for every question
error_json() {
  jq -cn --arg id "$1" --argjson er "$2" --arg ty "$3" '{question_id: $id, question_text: ("question " + $id),
    original_answer: "ref", retry_count: 0, error_retries: $er, timestamp: (now | strftime("%Y-%m-%dT%H:%M:%S.000Z")),
    error_type: $ty, http_status: (if $ty == "quota" then 402 else 503 end), error_message: "partition test",
    retry_after_s: 1, created_at: "2026-01-01T00:00:00.000Z"}'
}
while read -r id; do printf '%s\t%s\n' "$id" "$(error_json "$id" 0 overload)"; done <"$QAFLOW_VAR/ids" \
  | kcat -P -X partitioner=murmur2_random -b "$FT_K" -t llm-responses-error-overload -K$'\t' || ft_die "produce failed"
while read -r id; do printf '%s\t%s\n' "$id" "$(error_json "$id" 2 quota)"; done <"$QAFLOW_VAR/ids" \
  | kcat -P -X partitioner=murmur2_random -b "$FT_K" -t llm-responses-error-quota -K$'\t' || ft_die "produce failed"

# 5. the ScoreJob: a poor first attempt (-> regeneration on questions-pending, low-quality-responses),
#    then a good second one (-> validated-responses)
while read -r id; do ft_attempt "$id" 0 "$POOR" "$REF"; done <"$QAFLOW_VAR/ids"
wait_keys questions-pending retry-overload
wait_keys questions-pending retry-quota
wait_keys questions-pending flink-regeneration
while read -r id; do ft_attempt "$id" 1 "$REF" "$REF"; done <"$QAFLOW_VAR/ids"
wait_keys validated-responses flink-validated
wait_keys low-quality-responses flink-low-quality

# 6. every (topic, key): one partition, the Java client's
meta="$(kcat -L -J -b "$FT_K" -m 10)"
parts() { jq -r --arg t "$1" '.topics[] | select(.topic == $t) | .partitions | length' <<<"$meta"; }
((${#meta} > 0)) && (($(parts questions-pending) > 1 && $(parts validated-responses) > 1)) \
  || ft_die "questions-pending and validated-responses need more than one partition (infra/kafka/topics.txt)"
: >"$QAFLOW_VAR/seen.tsv"
for t in questions-pending validated-responses low-quality-responses llm-responses-success \
         llm-responses-error-overload llm-responses-error-quota; do
  n="$(parts "$t")"
  tagged "$t" | awk -F'\t' -v t="$t" -v n="$n" '{ printf "%s\t%s\t%s\t%s\t%s\n", t, n, $1, $2, $3 }' >>"$QAFLOW_VAR/seen.tsv"
done
cut -f2,3 "$QAFLOW_VAR/seen.tsv" | sort -u \
  | java -cp "$(kafka_libs)/*" "$HERE/JavaPartition.java" >"$QAFLOW_VAR/java.tsv" || ft_die "JavaPartition failed"
# seen.tsv: topic partitions key partition path; java.tsv: partitions key java_partition
report="$(awk -F'\t' 'NR == FNR { java[$1 "\t" $2] = $3; next }
  { want = java[$2 "\t" $3]; n[$1]++; split_key = $1 "\t" $3
    if (!(split_key in first)) first[split_key] = $4
    if ($4 != want) { bad++; printf "  %s key %s from %s: partition %s, the Java client: %s\n", $1, $3, $5, $4, want }
    else if ($4 != first[split_key]) { bad++; printf "  %s key %s from %s: partition %s and %s\n", $1, $3, $5, first[split_key], $4 } }
  END { for (t in n) printf "  %s: %d messages\n", t, n[t] > "/dev/stderr"; exit (bad > 0) }' \
  "$QAFLOW_VAR/java.tsv" "$QAFLOW_VAR/seen.tsv")" \
  || ft_die "keys not on the Java client's partition ($(grep -c . <<<"$report") messages):"$'\n'"$report"
for path in storage retry-overload retry-quota flink-regeneration; do
  ft_eq "$path: keys checked on questions-pending" \
    "$(awk -F'\t' -v p="$path" '$1 == "questions-pending" && $5 == p { print $3 }' "$QAFLOW_VAR/seen.tsv" | sort -u | wc -l)" "$N"
done
ft_eq "flink: keys checked on validated-responses" \
  "$(awk -F'\t' '$1 == "validated-responses" { print $3 }' "$QAFLOW_VAR/seen.tsv" | sort -u | wc -l)" "$N"
ft_log "ok  $(grep -c . "$QAFLOW_VAR/seen.tsv") messages, $N keys: every key on the Java client's partition of each topic"
ft_log "took $((SECONDS - T0)) s"
