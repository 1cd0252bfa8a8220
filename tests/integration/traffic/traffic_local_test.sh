#!/usr/bin/env bash
# traffic_local_test.sh: qaflow-traffic's measuring against a slow stand-in server (slow_server.py); needs no stack.
# Usage: traffic_local_test.sh TRAFFIC_BIN queueing|progress|zipf
#   queueing  server answers each POST after 300 ms, one at a time; 6 sends at 10/s with 1 connection:
#             send k (scheduled at k*100 ms) cannot be answered before (k+1)*300 ms, so its latency from the
#             scheduled time is at least 300 + 200k ms and sends 1..5 leave late; the per-second CSV counts 6 sends.
#   progress  the live progress line is drawn when stderr is a terminal (under script(1)), never into a file.
#   zipf      200 sends over 50 questions with --select zipf: repeats, the most asked question far above
#             the uniform share, distinct count in the summary equal to the distinct ids the server saw.
set -euo pipefail

TRAFFIC="${1:?usage: traffic_local_test.sh TRAFFIC_BIN CASE}"
CASE="${2:?usage: traffic_local_test.sh TRAFFIC_BIN CASE}"
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/qaflow-traffic-local.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() { if eval "$2"; then ok "$1"; else not_ok "$1 ($2)"; fi; }
finish() { echo "$PASS passed, $FAIL failed"; ((FAIL == 0 && PASS > 0)); }

[[ -x "$TRAFFIC" ]] || { echo "not ok - $TRAFFIC is not built"; exit 1; }
case "$CASE" in
  queueing) DELAY=300 ;;
  progress | zipf) DELAY=0 ;;
  *) echo "not ok - unknown case $CASE"; exit 1 ;;
esac
# The server listens on a port the system picks (written into a file): no fixed port to collide on.
python3 "$HERE/slow_server.py" "$WORK/port" "$DELAY" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  [[ -s "$WORK/port" ]] && curl -sf "http://127.0.0.1:$(cat "$WORK/port")/health" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "not ok - the stand-in server died"; cat "$WORK/server.log"; exit 1; }
  sleep 0.1
done
URL="http://127.0.0.1:$(cat "$WORK/port" 2>/dev/null)"
curl -sf "$URL/health" >/dev/null || { echo "not ok - the stand-in server did not answer"; exit 1; }
jqn() { jq -r "$1" "$WORK/summary.json"; }

case "$CASE" in
  queueing)
    "$TRAFFIC" --url "$URL" --dataset "$ROOT/dataset/sample.csv" -n 6 --rate 10 -c 1 --no-wait --json \
      --results "$WORK/results.jsonl" --timeseries "$WORK/series.csv" >"$WORK/summary.json" 2>"$WORK/err.log"
    check "6 sends, all accepted" '[[ "$(jqn .sent) $(jqn .accepted)" == "6 6" ]]'
    check "sends 1..5 left late" '(( $(jqn .late_sends) >= 5 ))'
    check "the last send's latency counts its wait: >= 1300 ms from its scheduled time" \
      "awk -v m=\"\$(jqn .latency_post_ms.max)\" 'BEGIN{exit !(m >= 1300)}'"
    k=0
    while IFS= read -r line; do
      el="$(jq -r .elapsed_ms <<<"$line")"
      idx="$(jq -r .index <<<"$line")"
      check "send $idx: latency $el ms >= $((300 + 200 * idx)) ms" "awk -v e=$el -v i=$idx 'BEGIN{exit !(e >= 300 + 200 * i)}'"
      k=$((k + 1))
    done <"$WORK/results.jsonl"
    check "one result line per send" '((k == 6))'
    check "series header" '[[ "$(head -1 "$WORK/series.csv")" == second,sent,late,accepted,completed,failed,rejected,send_errors,timed_out,latency_p50_ms,latency_p95_ms,latency_max_ms ]]'
    check "series: 6 sends, 6 accepted, >= 5 late over the seconds" \
      '[[ "$(awk -F, "NR>1{s+=\$2;l+=\$3;a+=\$4} END{print s, a, (l>=5)}" "$WORK/series.csv")" == "6 6 1" ]]'
    ;;
  progress)
    cmd="$TRAFFIC --url $URL --dataset $ROOT/dataset/sample.csv -n 5 --rate 0 --no-wait --log-level error"
    script -qec "$cmd" /dev/null >"$WORK/tty.out" 2>&1 </dev/null
    check "on a terminal: the progress line is drawn" 'grep -q "sent 5/5  accepted 5" "$WORK/tty.out"'
    $cmd >"$WORK/pipe.out" 2>"$WORK/pipe.err"
    check "not a terminal: no progress line on stderr" '! grep -q "sent 5/5" "$WORK/pipe.err"'
    check "not a terminal: no carriage return anywhere" '! grep -q $'"'"'\r'"'"' "$WORK/pipe.out" "$WORK/pipe.err"'
    check "not a terminal: the summary is still printed" 'grep -q "qaflow-traffic summary" "$WORK/pipe.out"'
    $cmd --progress always >/dev/null 2>"$WORK/forced.err"
    check "--progress always draws it into a file too" 'grep -q "sent 5/5" "$WORK/forced.err"'
    ;;
  zipf)
    "$TRAFFIC" --url "$URL" --dataset "$ROOT/dataset/sample.csv" -n 200 --pool 50 --select zipf --zipf-s 1.2 \
      --rate 0 -c 4 --no-wait --json --results "$WORK/results.jsonl" >"$WORK/summary.json" 2>"$WORK/err.log"
    distinct="$(jq -r .question_id "$WORK/results.jsonl" | sort -u | wc -l)"
    top="$(jq -r .question_id "$WORK/results.jsonl" | sort | uniq -c | sort -rn | awk 'NR==1{print $1}')"
    check "200 sends accepted" '[[ "$(jqn .accepted)" == 200 ]]'
    check "repeats: $distinct distinct questions in 200 sends" '((distinct < 200 && distinct <= 50))'
    check "the summary's distinct count ($(jqn .distinct_questions)) is what the server saw ($distinct)" \
      '[[ "$(jqn .distinct_questions)" == "$distinct" ]]'
    check "the most asked question ($top times) far above the uniform share (4)" '((top > 20))'
    "$TRAFFIC" --url "$URL" --dataset "$ROOT/dataset/sample.csv" -n 200 --pool 50 --select sequential \
      --rate 0 -c 4 --no-wait --json >"$WORK/summary.json" 2>"$WORK/err.log"
    check "sequential over a 200-record file: 200 distinct" '[[ "$(jqn .distinct_questions)" == 200 ]]'
    ;;
esac
finish
