#!/usr/bin/env bash
# traffic_test.sh: qaflow-traffic against a real qaflow-storage on the test stack; the test plays the pipeline by producing the final messages.
# Usage: traffic_test.sh TRAFFIC_BIN STORAGE_BIN outcomes|cache|timeout|bad_target
#   outcomes   5 questions: the test answers 4 on validated-responses (1, 1, 2 and 4 attempts, one accepted
#              below the threshold) and fails 1 on questions-failed; the summary and the per-question results
#              must report exactly that.
#   cache      3 questions answered, then the same 3 sent again: all served at once, same scores.
#   timeout    2 questions nobody answers, --timeout 3: both timed out.
#   bad_target storage not listening: every send is an error, nothing is counted as completed.
set -euo pipefail

TRAFFIC="${1:?usage: traffic_test.sh TRAFFIC_BIN STORAGE_BIN CASE}"
STORAGE="${2:?usage: traffic_test.sh TRAFFIC_BIN STORAGE_BIN CASE}"
CASE="${3:?usage: traffic_test.sh TRAFFIC_BIN STORAGE_BIN CASE}"
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/qaflow-traffic-test.XXXXXX")"
STORAGE_PID=""
cleanup() {
  if [[ -n "$STORAGE_PID" ]]; then
    kill "$STORAGE_PID" 2>/dev/null || true
    wait "$STORAGE_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check_eq() { if [[ "$2" == "$3" ]]; then ok "$1"; else not_ok "$1: expected '$2', got '$3'"; fi; }
finish() {
  echo "$PASS passed, $FAIL failed"
  ((FAIL == 0 && PASS > 0))
}

for v in QAFLOW_TEST_KAFKA QAFLOW_TEST_PG_DSN QAFLOW_TEST_REDIS QAFLOW_TEST_PORT_BASE; do
  [[ -n "${!v:-}" ]] || { echo "not ok - $v is not set: run under ./qaflow test or eval \"\$(./qaflow test-stack env)\""; exit 1; }
done
for b in "$TRAFFIC" "$STORAGE"; do [[ -x "$b" ]] || { echo "not ok - $b is not built"; exit 1; }; done
command -v kcat >/dev/null || { echo "not ok - kcat is not installed"; exit 1; }

# Each case its own port (base+500..), so cases may run in parallel.
case "$CASE" in
  outcomes) PORT=$((QAFLOW_TEST_PORT_BASE + 500)) ;;
  cache) PORT=$((QAFLOW_TEST_PORT_BASE + 501)) ;;
  timeout) PORT=$((QAFLOW_TEST_PORT_BASE + 502)) ;;
  bad_target) PORT=$((QAFLOW_TEST_PORT_BASE + 503)) ;;
  *) echo "not ok - unknown case $CASE"; exit 1 ;;
esac
URL="http://127.0.0.1:$PORT"
TAG="traffic-test-$CASE-$$-$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')"

start_storage() {
  "$STORAGE" --port "$PORT" --brokers "$QAFLOW_TEST_KAFKA" --pg-dsn "$QAFLOW_TEST_PG_DSN" \
    --redis "$QAFLOW_TEST_REDIS" --group "$TAG" >"$WORK/storage.log" 2>&1 &
  STORAGE_PID=$!
  local deadline=$((SECONDS + 60))
  until curl -sf "$URL/health" >/dev/null 2>&1; do
    if ! kill -0 "$STORAGE_PID" 2>/dev/null || ((SECONDS >= deadline)); then
      echo "not ok - qaflow-storage did not become healthy on $URL"; tail -20 "$WORK/storage.log"; exit 1
    fi
    sleep 0.2
  done
}

# dataset N: the first N records of the shipped sample (one record per line there).
dataset() { head -n "$1" "$ROOT/dataset/sample.csv" >"$WORK/data.csv"; }

# ids_of_tag N: wait until N questions of this run are stored, print "question_id" lines in text order.
ids_of_tag() {
  local n="$1" deadline=$((SECONDS + 60)) got
  while :; do
    got="$(psql "$QAFLOW_TEST_PG_DSN" -Atq -c \
      "SELECT question_id FROM questions WHERE position('[$TAG] ' in question_text) = 1 ORDER BY question_text")"
    if [[ -n "$got" && "$(wc -l <<<"$got")" -ge "$n" ]]; then printf '%s\n' "$got"; return 0; fi
    ((SECONDS < deadline)) || { echo "not ok - only $(wc -l <<<"$got") of $n questions stored" >&2; return 1; }
    sleep 0.2
  done
}

now_iso() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }

# validated QID SCORE ATTEMPTS FIRST_SCORE BELOW: the ScoreJob's final message for QID.
validated() {
  local qid="$1" score="$2" attempts="$3" first="$4" below="$5" text answer ts
  text="$(psql "$QAFLOW_TEST_PG_DSN" -Atq -c "SELECT question_text FROM questions WHERE question_id = '$qid'")"
  answer="$(psql "$QAFLOW_TEST_PG_DSN" -Atq -c "SELECT original_answer FROM questions WHERE question_id = '$qid'")"
  ts="$(now_iso)"
  QID="$qid" TEXT="$text" ANSWER="$answer" SCORE="$score" ATT="$attempts" FIRST="$first" BELOW="$below" TS="$ts" \
    python3 -c '
import json, os
e = os.environ
print(json.dumps({"question_id": e["QID"], "question_text": e["TEXT"], "llm_response": "An answer from the test.",
  "original_answer": e["ANSWER"], "bert_score": float(e["SCORE"]), "processing_attempts": int(e["ATT"]),
  "total_processing_time_ms": 1500, "timestamp": e["TS"], "accepted_below_threshold": e["BELOW"] == "true",
  "first_score": float(e["FIRST"]), "created_at": e["TS"], "llm_started_at": e["TS"], "llm_finished_at": e["TS"],
  "scored_at": e["TS"], "model": "traffic-test"}))' |
    kcat -P -X partitioner=murmur2_random -b "$QAFLOW_TEST_KAFKA" -t validated-responses -k "$qid"
}

failed() {
  local qid="$1" ts; ts="$(now_iso)"
  printf '{"question_id":"%s","reason":"LLM answered 400: traffic test","stage":"llm","retry_count":0,"error_retries":0,"timestamp":"%s","http_status":400,"created_at":"%s"}\n' \
    "$qid" "$ts" "$ts" | kcat -P -X partitioner=murmur2_random -b "$QAFLOW_TEST_KAFKA" -t questions-failed -k "$qid"
}

# jget FILE EXPR: a value of the JSON summary (python expression on `s`).
jget() { python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print($2)" "$1"; }

case "$CASE" in
outcomes)
  start_storage
  dataset 5
  "$TRAFFIC" --url "$URL" --dataset "$WORK/data.csv" --count 5 --rate 10 --distribution poisson --seed 3 \
    --tag "$TAG" --poll-interval-ms 200 --timeout 120 --json --results "$WORK/results.jsonl" \
    >"$WORK/summary.json" 2>"$WORK/traffic.log" &
  TPID=$!
  mapfile -t IDS < <(ids_of_tag 5)
  check_eq "5 questions stored by storage" 5 "${#IDS[@]}"
  # score attempts first_score below_threshold per question; the fifth one fails.
  validated "${IDS[0]}" 0.91 1 0.91 false
  validated "${IDS[1]}" 0.85 1 0.85 false
  validated "${IDS[2]}" 0.78 2 0.55 false
  validated "${IDS[3]}" 0.62 4 0.48 true
  failed "${IDS[4]}"
  rc=0; wait "$TPID" || rc=$?
  check_eq "qaflow-traffic exits 0" 0 "$rc"
  S="$WORK/summary.json"
  check_eq "sent" 5 "$(jget "$S" 's["sent"]')"
  check_eq "accepted" 5 "$(jget "$S" 's["accepted"]')"
  check_eq "completed" 4 "$(jget "$S" 's["completed"]')"
  check_eq "failed" 1 "$(jget "$S" 's["failed"]')"
  check_eq "timed out" 0 "$(jget "$S" 's["timed_out"]')"
  check_eq "attempts distribution" "{'1': 2, '2': 1, '4': 1}" "$(jget "$S" 's["attempts_distribution"]')"
  check_eq "average score" 0.7900 "$(jget "$S" '"%.4f" % s["average_score"]')"
  check_eq "average first score" "$(python3 -c 'print("%.4f" % ((0.91+0.85+0.55+0.48)/4))')" \
    "$(jget "$S" '"%.4f" % s["average_first_score"]')"
  check_eq "accepted below threshold" 1 "$(jget "$S" 's["accepted_below_threshold"]')"
  check_eq "four end-to-end latencies" 4 "$(jget "$S" 's["latency_e2e_ms"]["n"]')"
  check_eq "latencies positive and within the run" True \
    "$(jget "$S" '0 < s["latency_e2e_ms"]["p50"] <= s["latency_e2e_ms"]["p99"] <= s["duration_s"] * 1000')"
  check_eq "POST answered 202 five times" 5 "$(jget "$S" 's["post_status_codes"].get("202", 0)')"
  # Per-question results: each id with the outcome and score the test gave it.
  got="$(python3 -c '
import json, sys
rows = {}
for line in open(sys.argv[1]):
    r = json.loads(line); rows[r["question_id"]] = r
out = []
for qid in sys.argv[2:]:
    r = rows.get(qid, {})
    out.append("%s/%s/%s" % (r.get("outcome"), r.get("processing_attempts"), r.get("bert_score")))
print(" ".join(out))' "$WORK/results.jsonl" "${IDS[@]}")"
  check_eq "per-question results" "completed/1/0.91 completed/1/0.85 completed/2/0.78 completed/4/0.62 failed/None/None" "$got"
  ;;
cache)
  start_storage
  dataset 3
  "$TRAFFIC" --url "$URL" --dataset "$WORK/data.csv" --count 3 --rate 20 --tag "$TAG" --poll-interval-ms 200 \
    --timeout 120 --json >"$WORK/first.json" 2>"$WORK/traffic1.log" &
  TPID=$!
  mapfile -t IDS < <(ids_of_tag 3)
  validated "${IDS[0]}" 0.88 1 0.88 false
  validated "${IDS[1]}" 0.80 2 0.70 false
  validated "${IDS[2]}" 0.93 1 0.93 false
  rc=0; wait "$TPID" || rc=$?
  check_eq "first run exits 0" 0 "$rc"
  check_eq "first run: 3 accepted" 3 "$(jget "$WORK/first.json" 's["accepted"]')"
  check_eq "first run: 3 completed" 3 "$(jget "$WORK/first.json" 's["completed"]')"
  rc=0
  "$TRAFFIC" --url "$URL" --dataset "$WORK/data.csv" --count 3 --rate 0 --tag "$TAG" --timeout 30 --json \
    --require-complete >"$WORK/second.json" 2>"$WORK/traffic2.log" || rc=$?
  check_eq "second run exits 0 (--require-complete met)" 0 "$rc"
  S="$WORK/second.json"
  check_eq "second run: nothing accepted" 0 "$(jget "$S" 's["accepted"]')"
  check_eq "second run: all served at once" 3 "$(jget "$S" 's["served_from_cache"] + s["served_from_database"]')"
  check_eq "second run: 3 completed" 3 "$(jget "$S" 's["completed"]')"
  check_eq "second run: same average score" "$(jget "$WORK/first.json" '"%.6f" % s["average_score"]')" \
    "$(jget "$S" '"%.6f" % s["average_score"]')"
  check_eq "second run: attempts distribution" "{'1': 2, '2': 1}" "$(jget "$S" 's["attempts_distribution"]')"
  check_eq "second run: no end-to-end latency (nothing waited)" 0 "$(jget "$S" 's["latency_e2e_ms"]["n"]')"
  ;;
timeout)
  start_storage
  dataset 2
  rc=0
  "$TRAFFIC" --url "$URL" --dataset "$WORK/data.csv" --count 2 --rate 0 --tag "$TAG" --poll-interval-ms 200 \
    --timeout 3 --json --require-complete >"$WORK/summary.json" 2>"$WORK/traffic.log" || rc=$?
  check_eq "--require-complete not met: exit 3" 3 "$rc"
  S="$WORK/summary.json"
  check_eq "accepted" 2 "$(jget "$S" 's["accepted"]')"
  check_eq "timed out" 2 "$(jget "$S" 's["timed_out"]')"
  check_eq "completed" 0 "$(jget "$S" 's["completed"]')"
  check_eq "waited at least the timeout" True "$(jget "$S" 's["duration_s"] >= 3')"
  check_eq "both still pending in storage" 2 "$(psql "$QAFLOW_TEST_PG_DSN" -Atq -c \
    "SELECT count(*) FROM questions WHERE position('[$TAG] ' in question_text) = 1 AND status = 'pending'")"
  ;;
bad_target)
  dataset 3
  rc=0
  "$TRAFFIC" --url "$URL" --dataset "$WORK/data.csv" --count 3 --rate 0 --timeout 5 --http-timeout-ms 2000 \
    --json >"$WORK/summary.json" 2>"$WORK/traffic.log" || rc=$?
  check_eq "exit 0 (the run itself worked)" 0 "$rc"
  S="$WORK/summary.json"
  check_eq "sent" 3 "$(jget "$S" 's["sent"]')"
  check_eq "send errors" 3 "$(jget "$S" 's["send_errors"]')"
  check_eq "completed" 0 "$(jget "$S" 's["completed"]')"
  check_eq "errors logged" 3 "$(grep -c 'POST /query failed' "$WORK/traffic.log" || true)"
  rc=0
  "$TRAFFIC" --url "$URL" --distribution bursty >/dev/null 2>&1 || rc=$?
  check_eq "bad --distribution: exit 2" 2 "$rc"
  rc=0
  "$TRAFFIC" --url "$URL" --dataset "$WORK/missing.csv" >/dev/null 2>&1 || rc=$?
  check_eq "missing dataset: exit 1" 1 "$rc"
  ;;
esac
finish
