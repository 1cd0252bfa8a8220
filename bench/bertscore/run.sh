#!/usr/bin/env bash
# run.sh -- bert-score vs qaflow (library and service), same model/layer/pairs, side by side; peak RSS by /usr/bin/time -v.
# usage: bench/bertscore/run.sh [BUILD_DIR] [PYTHON]   (PYTHON has torch + transformers<4.50 + bert-score)
# env: N_SINGLE (64), N_BATCH (256), THREADS (2), LAYER (6), PORT (27350), QAFLOW_MODEL_DIR,
#      CASES (all | single: only the one-pair-per-call comparison | regen: the regenerating workload,
#      each reference against 4 candidates, without and with the scorer's reference cache, library
#      and service, side by side; needs no PYTHON), ROUNDS (1: single/regen cases repeated,
#      alternating, so a shared machine's load hits both sides alike), BENCH_BEFORE (another
#      bench_bertscore binary, e.g. an older build, run beside the current one),
#      N_REGEN (64 references; N_BATCH must be >= 4 x N_REGEN), REGEN_PER_CALL ("1 8": pairs per
#      library call), CACHE_MB (64: the cache of the "after" side)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
PY=${2:-/tmp/bs-venv/bin/python}
MODEL=${QAFLOW_MODEL_DIR:-$ROOT/var/models/all-MiniLM-L6-v2}
LAYER=${LAYER:-6} THREADS=${THREADS:-2} NS=${N_SINGLE:-64} NB=${N_BATCH:-256} PORT=${PORT:-27350}
CASES=${CASES:-all} ROUNDS=${ROUNDS:-1} BENCH_BEFORE=${BENCH_BEFORE:-}
NR=${N_REGEN:-64} REGEN_PER_CALL=${REGEN_PER_CALL:-1 8} CACHE_MB=${CACHE_MB:-64}
OUT=$(mktemp -d /tmp/bench_bertscore.XXXXXX)
BENCH=$BUILD/bin/bench_bertscore; [ -x "$BENCH" ] || BENCH=$BUILD/bench/bertscore/bench_bertscore
SCORER=$BUILD/bin/qaflow-scorer; [ -x "$SCORER" ] || SCORER=$BUILD/src/scorer/qaflow-scorer
python3 "$ROOT/bench/bertscore/make_pairs.py" "$ROOT/dataset/sample.csv" "$OUT/c.txt" "$OUT/r.txt" "$NB"
peak() { awk -F': ' '/Maximum resident set size/{printf "%.0f", $2/1024}' "$1"; }
cpu() { awk -F': ' '/User time|System time/{s += $2} END {printf "%.2f", s}' "$1"; }   # CPU seconds, incl. model load
run() { # name logfile cmd...
  local name=$1 log=$2; shift 2
  /usr/bin/time -v "$@" > "$log.out" 2> "$log.time" || { cat "$log.time"; exit 1; }
  echo "$(cat "$log.out") peak_rss_mb=$(peak "$log.time") cpu_s=$(cpu "$log.time") load1=$(cut -d' ' -f1 /proc/loadavg)"
}
# start_scorer LOG [ARGS...]: qaflow-scorer under /usr/bin/time (peak RSS in LOG) on $PORT, ready
start_scorer() {
  local log=$1; shift
  /usr/bin/time -v "$SCORER" --port "$PORT" --model-dir "$MODEL" --layer "$LAYER" --threads "$THREADS" \
    --baseline "" --log-level warn --max-pairs 256 "$@" 2> "$log" &
  SPID=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/health" > /dev/null 2>&1 && return 0; sleep 0.1; done
  echo "qaflow-scorer did not start"; cat "$log"; exit 1
}
stop_scorer() {
  kill -TERM $(pgrep -P "$SPID" qaflow-scorer || echo "$SPID") 2>/dev/null || true
  wait "$SPID" 2>/dev/null || true
}
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "model $MODEL layer $LAYER threads $THREADS"
if [ "$CASES" = regen ]; then
  [ "$NB" -ge $((4 * NR)) ] || { echo "N_BATCH ($NB) must be >= 4 x N_REGEN ($NR)"; exit 2; }
  echo "regenerating workload: $NR references x 4 candidates; before = no reference cache, after = --reference-cache-mb $CACHE_MB"
  for per in $REGEN_PER_CALL; do
    run c-regen "$OUT/regen$per" "$BENCH" "$MODEL" "$LAYER" "$OUT/c.txt" "$OUT/r.txt" regen "$NR" "$THREADS" "$per" "$ROUNDS" "$CACHE_MB"
  done
  for _ in $(seq 1 "$ROUNDS"); do
    for mb in 0 "$CACHE_MB"; do
      start_scorer "$OUT/svc$mb.time" --reference-cache-mb "$mb"
      echo -n "reference-cache-mb=$mb load1=$(cut -d' ' -f1 /proc/loadavg) "
      python3 "$ROOT/bench/bertscore/bench_service.py" "$PORT" "$OUT/c.txt" "$OUT/r.txt" regen "$NR"
      stop_scorer
    done
  done
  rm -rf "$OUT"; exit 0
fi
for _ in $(seq 1 "$ROUNDS"); do
  run py-single "$OUT/py1" "$PY" "$ROOT/bench/bertscore/bench_bertscore_py.py" "$MODEL" "$LAYER" "$OUT/c.txt" "$OUT/r.txt" single "$NS" "$THREADS"
  [ -z "$BENCH_BEFORE" ] || { echo -n "(before) "; run c-single-before "$OUT/c0" "$BENCH_BEFORE" "$MODEL" "$LAYER" "$OUT/c.txt" "$OUT/r.txt" single "$NS" "$THREADS"; }
  run c-single "$OUT/c1" "$BENCH" "$MODEL" "$LAYER" "$OUT/c.txt" "$OUT/r.txt" single "$NS" "$THREADS"
done
if [ "$CASES" = single ]; then rm -rf "$OUT"; exit 0; fi
run py-batch "$OUT/py64" "$PY" "$ROOT/bench/bertscore/bench_bertscore_py.py" "$MODEL" "$LAYER" "$OUT/c.txt" "$OUT/r.txt" batch "$NB" "$THREADS"
run c-batch "$OUT/c64" "$BENCH" "$MODEL" "$LAYER" "$OUT/c.txt" "$OUT/r.txt" batch "$NB" "$THREADS"
# the service: started under /usr/bin/time so its peak RSS covers every run
start_scorer "$OUT/svc.time"
python3 "$ROOT/bench/bertscore/bench_service.py" "$PORT" "$OUT/c.txt" "$OUT/r.txt" single "$NS"
python3 "$ROOT/bench/bertscore/bench_service.py" "$PORT" "$OUT/c.txt" "$OUT/r.txt" batch "$NB"
python3 "$ROOT/bench/bertscore/bench_service.py" "$PORT" "$OUT/c.txt" "$OUT/r.txt" concurrent "$NB"
curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^qaflow_scorer_(batches|pairs)_total /{printf "%s=%s ", $1, $2} END {print ""}'
stop_scorer
echo "qaflow-scorer peak_rss_mb=$(peak "$OUT/svc.time")"
rm -rf "$OUT"
