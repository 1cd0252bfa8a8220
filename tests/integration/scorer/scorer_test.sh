#!/usr/bin/env bash
# scorer_test.sh -- qaflow-scorer against the real binary: concurrent requests give the CLI's numbers, errors, overload, metrics, shutdown, reference cache.
# usage: scorer_test.sh CASE   (env: SCORER_BIN, BERTSCORE_BIN, QAFLOW_MODEL_DIR [else QAFLOW_MODEL_DIR_DEFAULT], QAFLOW_TEST_PORT_BASE, BASELINE)
set -u
CASE=${1:?case}
QAFLOW_MODEL_DIR=${QAFLOW_MODEL_DIR:-${QAFLOW_MODEL_DIR_DEFAULT:-}}
: "${SCORER_BIN:?}" "${BERTSCORE_BIN:?}" "${QAFLOW_MODEL_DIR:?QAFLOW_MODEL_DIR must name the model directory}"
[ -f "$QAFLOW_MODEL_DIR/model.safetensors" ] || { echo "FAIL: no model in QAFLOW_MODEL_DIR=$QAFLOW_MODEL_DIR (run infra/models.sh)"; exit 1; }
BASE=${QAFLOW_TEST_PORT_BASE:-25000}
case "$CASE" in concurrent) OFF=300 ;; errors) OFF=301 ;; overload) OFF=302 ;; shutdown) OFF=303 ;; cache) OFF=304 ;; *) OFF=309 ;; esac
PORT=$((BASE + OFF))
URL="http://127.0.0.1:$PORT"
TMP=$(mktemp -d /tmp/scorer_test.XXXXXX)
PID=
PASS=0 FAIL=0
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
ok() { PASS=$((PASS + 1)); echo "ok: $*"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

start_scorer() {
  "$SCORER_BIN" --port "$PORT" --model-dir "$QAFLOW_MODEL_DIR" --log-level info "$@" > "$TMP/scorer.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 300); do
    curl -sf "$URL/health" > /dev/null 2>&1 && return 0
    kill -0 "$PID" 2>/dev/null || { cat "$TMP/scorer.log"; echo "FAIL: scorer exited"; exit 1; }
    sleep 0.1
  done
  echo "FAIL: scorer did not answer /health on $URL"; cat "$TMP/scorer.log"; exit 1
}

post() { curl -s -o "$1" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary @"$2" "$URL/score"; }

# 24 pairs of real-length texts from the dataset sample, plus hard cases
make_pairs() {
  python3 - "$1" "$2" "$3" <<'PY'
import csv, json, sys
rows = [r for r in csv.reader(open(sys.argv[1], encoding="utf-8")) if len(r) == 4]
ans = [r[3].replace("\\n", "\n") for r in rows]
pairs = [(ans[i].split(". ")[0], ans[i]) for i in range(10)]
pairs += [(ans[i], ans[(i * 7 + 3) % len(ans)]) for i in range(10, 20)]
pairs += [("", ans[0]), (ans[1], ""), ("Café 東京 🍕", "cafe tokyo pizza"), (ans[2], ans[2])]
pairs = [(c.replace("\n", " "), r.replace("\n", " ")) for c, r in pairs]  # one text per CLI line
open(sys.argv[2], "w").write("".join(c + "\n" for c, _ in pairs))
open(sys.argv[3], "w").write("".join(r + "\n" for _, r in pairs))
PY
}

case "$CASE" in
concurrent)
  ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
  make_pairs "$ROOT/dataset/sample.csv" "$TMP/c.txt" "$TMP/r.txt"
  BL=${BASELINE:-$ROOT/src/bertscore/baselines/all-MiniLM-L6-v2.tsv}
  "$BERTSCORE_BIN" -c "$TMP/c.txt" -r "$TMP/r.txt" --model-dir "$QAFLOW_MODEL_DIR" --layer 6 --baseline "$BL" > "$TMP/cli.txt" \
    || { echo "FAIL: CLI"; exit 1; }
  start_scorer --layer 6 --baseline "$BL" --batch-wait-ms 300 --max-batch 64
  # 12 concurrent requests of 2 pairs each (pairs 2k, 2k+1)
  python3 - "$TMP" <<'PY'
import json, sys
t = sys.argv[1]
c = open(t + "/c.txt").read().split("\n")[:-1]
r = open(t + "/r.txt").read().split("\n")[:-1]
for k in range(len(c) // 2):
    body = {"pairs": [{"candidate": c[i], "reference": r[i]} for i in (2 * k, 2 * k + 1)]}
    open(f"{t}/req{k}.json", "w").write(json.dumps(body))
PY
  N=$(ls "$TMP"/req*.json | wc -l)
  for k in $(seq 0 $((N - 1))); do
    ( code=$(post "$TMP/resp$k.json" "$TMP/req$k.json"); echo "$code" > "$TMP/code$k" ) &
  done
  wait $(jobs -p | grep -v "^$PID$") 2>/dev/null
  for k in $(seq 0 $((N - 1))); do [ "$(cat "$TMP/code$k")" = 200 ] || bad "request $k answered $(cat "$TMP/code$k")"; done
  check "concurrent answers equal the CLI's P R F and rescaled values (|diff| <= 2e-6)" python3 - "$TMP" "$N" <<'PY'
import json, sys
t, n = sys.argv[1], int(sys.argv[2])
cli = [list(map(float, l.split())) for l in open(t + "/cli.txt")]
worst = 0
for k in range(n):
    resp = json.load(open(f"{t}/resp{k}.json"))
    assert resp["model"] == "all-MiniLM-L6-v2" and resp["layer"] == 6, resp
    for j, res in enumerate(resp["results"]):
        want = cli[2 * k + j]
        got = [res[f] for f in ("precision", "recall", "f1", "precision_rescaled", "recall_rescaled", "f1_rescaled")]
        worst = max(worst, max(abs(a - b) for a, b in zip(got, want)))
print("max |diff| vs CLI:", worst)
sys.exit(0 if worst <= 2e-6 else 1)
PY
  curl -s "$URL/metrics" > "$TMP/metrics"
  PAIRS=$(awk '/^qaflow_scorer_pairs_total /{print $2}' "$TMP/metrics")
  BATCHES=$(awk '/^qaflow_scorer_batches_total /{print $2}' "$TMP/metrics")
  check "metrics count $((N * 2)) pairs (got $PAIRS)" [ "${PAIRS%.*}" = $((N * 2)) ]
  check "concurrent requests were micro-batched: $BATCHES batches for $N requests" [ "${BATCHES%.*}" -lt "$N" ]
  check "batch size histogram present" grep -q '^qaflow_scorer_batch_pairs_count' "$TMP/metrics"
  check "latency histogram present" grep -q '^qaflow_http_request_duration_seconds' "$TMP/metrics"
  ;;
errors)
  start_scorer --baseline "" --max-pairs 4 --max-text 1000 --max-body 8192
  check "no baseline: /health says rescaled false" sh -c "curl -s $URL/health | grep -q '\"rescaled\": *false'"
  printf '%s' '{"pairs":[{"candidate":"a cat","reference":"a dog"}]}' > "$TMP/good.json"
  check "200 without rescaled fields" sh -c "[ \$(curl -s -o $TMP/o -w '%{http_code}' -XPOST --data-binary @$TMP/good.json $URL/score) = 200 ] && ! grep -q rescaled $TMP/o && grep -q '\"f1\"' $TMP/o"
  i=0
  for body in 'not json' '[]' '{}' '{"pairs":[]}' '{"pairs":{}}' '{"pairs":[{"candidate":"x"}]}' \
              '{"pairs":[{"candidate":1,"reference":"x"}]}' '{"pairs":[1]}' \
              '{"pairs":[{"candidate":"a","reference":"b"},{"candidate":"a","reference":"b"},{"candidate":"a","reference":"b"},{"candidate":"a","reference":"b"},{"candidate":"a","reference":"b"}]}' \
              '{"pairs":[{"candidate":"a\u0000b","reference":"b"}]}'; do
    printf '%s' "$body" > "$TMP/bad$i.json"
    code=$(post "$TMP/o" "$TMP/bad$i.json")
    check "400 for bad body #$i ($code)" sh -c "[ $code = 400 ] && grep -q '\"error\"' $TMP/o"
    i=$((i + 1))
  done
  python3 -c "import json; print(json.dumps({'pairs':[{'candidate':'x'*2000,'reference':'y'}]}))" > "$TMP/long.json"
  check "400 for a text over --max-text" [ "$(post "$TMP/o" "$TMP/long.json")" = 400 ]
  python3 -c "import json; print(json.dumps({'pairs':[{'candidate':'x '*6000,'reference':'y'}]}))" > "$TMP/huge.json"
  check "413 for a body over --max-body" [ "$(post "$TMP/o" "$TMP/huge.json")" = 413 ]
  check "405 for GET /score" [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/score")" = 405 ]
  check "404 for an unknown path" [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/nope")" = 404 ]
  check "--help exits 0 and documents --batch-wait-ms" sh -c "'$SCORER_BIN' --help | grep -q batch-wait-ms"
  check "bad layer refuses to start" sh -c "! '$SCORER_BIN' --port 0 --model-dir '$QAFLOW_MODEL_DIR' --layer 99 --baseline '' > /dev/null 2>&1"
  check "missing model refuses to start" sh -c "! '$SCORER_BIN' --port 0 --model-dir /nonexistent > /dev/null 2>&1"
  ;;
overload)
  # one request waits up to 10 s in the queue for companions; a second one finds the queue full
  start_scorer --baseline "" --max-queue 1 --batch-wait-ms 10000
  printf '%s' '{"pairs":[{"candidate":"first request","reference":"first"}]}' > "$TMP/a.json"
  printf '%s' '{"pairs":[{"candidate":"second request","reference":"second"}]}' > "$TMP/b.json"
  ( post "$TMP/ra.json" "$TMP/a.json" > "$TMP/codea" ) &
  A=$!
  SEEN=0
  for _ in $(seq 1 250); do
    curl -s "$URL/health" | grep -q '"queued_pairs": *1' && { SEEN=1; break; }
    sleep 0.02
  done
  check "the first request is seen waiting in the queue" [ "$SEEN" = 1 ]
  check "second request gets 503 while the queue is full" [ "$(post "$TMP/rb.json" "$TMP/b.json")" = 503 ]
  # a request waiting for its micro-batch must not stall other connections (one thread each)
  HOK=0
  for _ in $(seq 1 20); do curl -sf --max-time 4 "$URL/health" > /dev/null && HOK=$((HOK + 1)); done
  check "20 /health requests answered while a /score request waits for its batch ($HOK)" [ "$HOK" = 20 ]
  wait "$A"
  check "first request is still answered 200" [ "$(cat "$TMP/codea")" = 200 ]
  check "rejections counted" sh -c "curl -s $URL/metrics | grep -q '^qaflow_scorer_rejected_total 1'"
  ;;
shutdown)
  start_scorer --baseline "" --batch-wait-ms 4000
  printf '%s' '{"pairs":[{"candidate":"in flight at shutdown","reference":"in flight"}]}' > "$TMP/a.json"
  ( post "$TMP/ra.json" "$TMP/a.json" > "$TMP/codea" ) &
  A=$!
  SEEN=0
  for _ in $(seq 1 250); do
    curl -s "$URL/health" | grep -q '"queued_pairs": *1' && { SEEN=1; break; }
    sleep 0.02
  done
  check "the first request is seen waiting in the queue" [ "$SEEN" = 1 ]
  kill -TERM "$PID"
  wait "$A"
  check "request in flight at SIGTERM is answered 200" [ "$(cat "$TMP/codea")" = 200 ]
  wait "$PID"; RC=$?; PID=
  check "exit status 0 after SIGTERM (got $RC)" [ "$RC" = 0 ]
  check "shutdown logged" grep -q "shutting down" "$TMP/scorer.log"
  ;;
cache)
  # each reference against 4 candidates, one request per attempt: with the cache each reference is
  # encoded once (1 miss, 3 hits) and every answer is byte-identical to a scorer without the cache
  ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
  python3 - "$ROOT/dataset/sample.csv" "$TMP" <<'PY'
import csv, json, sys
rows = [r for r in csv.reader(open(sys.argv[1], encoding="utf-8")) if len(r) == 4]
ans = [r[3].replace("\\n", "\n") for r in rows]
for q in range(3):
    for k in range(4):
        cand = ans[(q * 4 + k + 10) % len(ans)] if k else ans[q].split(". ")[0]
        body = {"pairs": [{"candidate": cand, "reference": ans[q]}]}
        open(f"{sys.argv[2]}/att{q}_{k}.json", "w").write(json.dumps(body))
PY
  for mb in 0 64; do
    start_scorer --baseline "" --reference-cache-mb "$mb"
    for k in 0 1 2 3; do for q in 0 1 2; do
      [ "$(post "$TMP/out${mb}_${q}_$k.json" "$TMP/att${q}_$k.json")" = 200 ] || bad "cache $mb: attempt $k of reference $q not 200"
    done; done
    curl -s "$URL/metrics" > "$TMP/metrics$mb"
    kill "$PID"; wait "$PID" 2>/dev/null; PID=
  done
  check "cache on: 3 misses (one per reference)" grep -q '^qaflow_scorer_reference_cache_misses_total 3$' "$TMP/metrics64"
  check "cache on: 9 hits (the regenerated attempts)" grep -q '^qaflow_scorer_reference_cache_hits_total 9$' "$TMP/metrics64"
  check "cache on: 3 references held" grep -q '^qaflow_scorer_reference_cache_entries 3$' "$TMP/metrics64"
  check "cache off (--reference-cache-mb 0): no cache metrics" sh -c "! grep -q reference_cache '$TMP/metrics0'"
  SAME=1
  for k in 0 1 2 3; do for q in 0 1 2; do
    cmp -s "$TMP/out0_${q}_$k.json" "$TMP/out64_${q}_$k.json" || SAME=0
  done; done
  check "every answer with the cache is byte-identical to the answer without it" [ "$SAME" = 1 ]
  check "--help documents --reference-cache-mb and its variable" sh -c "'$SCORER_BIN' --help | grep -A3 -- --reference-cache-mb | grep -q QAFLOW_SCORER_REFERENCE_CACHE_MB"
  ;;
*) echo "unknown case $CASE"; exit 2 ;;
esac
echo "$PASS passed, $FAIL failed"
if [ "$FAIL" != 0 ]; then echo "--- scorer log (tail)"; tail -n 20 "$TMP/scorer.log" 2>/dev/null; fi
[ "$FAIL" = 0 ]
