#!/usr/bin/env bash
# run.sh -- benchmark the embedded llama-server (Gemma 3 270M Q4_K_M) on this machine: answers/s and tokens/s.
# Usage: bench/llama/run.sh [N_QUESTIONS]   (env: LLAMA_BENCH_PORT [24190], LLAMA_BENCH_THREADS [1],
#        LLAMA_BENCH_CONCURRENCY ["1 2"], LLAMA_BENCH_MAX_TOKENS [128])
# Builds llama-server and assembles the model first when missing (cached; see infra/llama/).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
N="${1:-20}"
PORT="${LLAMA_BENCH_PORT:-24190}"
THREADS="${LLAMA_BENCH_THREADS:-1}"
CONCURRENCY="${LLAMA_BENCH_CONCURRENCY:-1 2}"
MAXTOK="${LLAMA_BENCH_MAX_TOKENS:-128}"
export QAFLOW_VAR="${QAFLOW_VAR:-$ROOT/var}"

"$ROOT/infra/llama/build.sh"
MODEL="$("$ROOT/infra/llama/model.sh")"
BIN="$QAFLOW_VAR/llama/bin/llama-server"
LOG="$(mktemp "${TMPDIR:-/tmp}/llama-bench.XXXXXX.log")"

for c in $CONCURRENCY; do
  "$BIN" --model "$MODEL" --alias gemma-3-270m --host 127.0.0.1 --port "$PORT" \
    --ctx-size $((1024 * c)) --threads "$THREADS" --parallel "$c" >"$LOG" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null || true' EXIT
  for _ in $(seq 1 600); do
    curl -fs -o /dev/null "http://127.0.0.1:$PORT/health" && break
    kill -0 "$pid" 2>/dev/null || { cat "$LOG" >&2; exit 1; }
    sleep 0.2
  done
  echo "# llama-server --threads $THREADS --parallel $c, $N questions, max_tokens $MAXTOK" >&2
  python3 "$ROOT/bench/llama/bench.py" --url "http://127.0.0.1:$PORT" -n "$N" -c "$c" \
    --max-tokens "$MAXTOK" --questions "$ROOT/dataset/sample.csv" \
    --worker "${QAFLOW_BIN_DIR:-$ROOT/build/bin}/qaflow-llm-worker"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
echo "# machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average now: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
rm -f "$LOG"
