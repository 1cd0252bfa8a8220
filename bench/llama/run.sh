#!/usr/bin/env bash
# run.sh -- the embedded llama-server (Gemma 3 270M Q4_K_M) under several settings, side by side: answers/s, tokens/s, latency p50/p99.
# Usage: bench/llama/run.sh [N_QUESTIONS]   (default 64: N should be several times the largest slot count,
#        because a slot reuses the few-shot prefix only from its own previous request)
# env: LLAMA_BENCH_SETTINGS  space-separated list (default: "1:1 2:1 2:2 2:4 2:8 2:8:--no-cache-prompt 2:16 default"):
#        THREADS:SLOTS[:EXTRA]  llama-server --threads THREADS --parallel SLOTS [EXTRA, commas for spaces],
#                               every other flag as the launcher starts it (infra/llama/server-args.sh)
#        default                the launcher's defaults for this machine (threads and slots from the cores)
#      LLAMA_BENCH_CONCURRENCY  requests in flight (default: match = the setting's slots, as the workers do)
#      LLAMA_BENCH_PORT [24190], LLAMA_BENCH_MAX_TOKENS [128: the worker's default], LLAMA_BENCH_ROUNDS [1]
#      (rounds > 1 repeat the whole list, so a shared machine's load hits every setting alike)
# Every request is the exact prompt qaflow-llm-worker sends (its --print-prompt) for a question of
# dataset/sample.csv, with the worker's stop sequence and temperature. Output: one JSON line per run
# (bench.py) and a Markdown table at the end, with the load average at each run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
N="${1:-64}"
PORT="${LLAMA_BENCH_PORT:-24190}"
SETTINGS="${LLAMA_BENCH_SETTINGS:-1:1 2:1 2:2 2:4 2:8 2:8:--no-cache-prompt 2:16 default}"
CONC="${LLAMA_BENCH_CONCURRENCY:-match}"
MAXTOK="${LLAMA_BENCH_MAX_TOKENS:-128}"
ROUNDS="${LLAMA_BENCH_ROUNDS:-1}"
export QAFLOW_VAR="${QAFLOW_VAR:-$ROOT/var}"
# shellcheck source=../../infra/llama/server-args.sh
source "$ROOT/infra/llama/server-args.sh"
# shellcheck source=../../infra/llama/versions.sh
source "$ROOT/infra/llama/versions.sh"

"$ROOT/infra/llama/build.sh"
MODEL="$("$ROOT/infra/llama/model.sh")"
BIN="$QAFLOW_VAR/llama/bin/llama-server"
WORKER="${QAFLOW_BIN_DIR:-$ROOT/build/bin}/qaflow-llm-worker"
[[ -x "$WORKER" ]] || { echo "no $WORKER: ./qaflow build first" >&2; exit 1; }
LOG="$(mktemp "${TMPDIR:-/tmp}/llama-bench.XXXXXX.log")"
RESULTS="$(mktemp "${TMPDIR:-/tmp}/llama-bench.XXXXXX.jsonl")"
pid=
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -f "$LOG" "$RESULTS"; }
trap cleanup EXIT

echo "# machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "# $N questions per setting, max_tokens $MAXTOK, concurrency $CONC, model $GEMMA_MODEL_NAME" >&2
for round in $(seq 1 "$ROUNDS"); do
  for s in $SETTINGS; do
    if [[ "$s" == default ]]; then
      threads="$(llama_default_threads)"; slots="$(llama_default_parallel "$threads")"; extra=""
      label="default ($threads threads, $slots slots)"
    else
      IFS=: read -r threads slots extra <<<"$s"
      extra="${extra//,/ }"
      label="$threads threads, $slots slots${extra:+, $extra}"
    fi
    # shellcheck disable=SC2086
    llama_server_args "$MODEL" "$GEMMA_MODEL_NAME" "$PORT" "$threads" "$slots" "" $extra
    if curl -fs -o /dev/null "http://127.0.0.1:$PORT/health"; then
      echo "port $PORT already answers: set LLAMA_BENCH_PORT to a free port" >&2; exit 1
    fi
    "$BIN" "${LLAMA_ARGS[@]}" >"$LOG" 2>&1 &
    pid=$!
    for _ in $(seq 1 600); do
      curl -fs -o /dev/null "http://127.0.0.1:$PORT/health" && break
      kill -0 "$pid" 2>/dev/null || { cat "$LOG" >&2; exit 1; }
      sleep 0.2
    done
    c="$CONC"; [[ "$c" == match ]] && c="$slots"
    load="$(cut -d' ' -f1 /proc/loadavg)"
    echo "# round $round: llama-server ${LLAMA_ARGS[*]:6}; $c requests in flight; load $load" >&2
    python3 "$ROOT/bench/llama/bench.py" --url "http://127.0.0.1:$PORT" --model "$GEMMA_MODEL_NAME" -n "$N" -c "$c" \
      --max-tokens "$MAXTOK" --questions "$ROOT/dataset/sample.csv" --worker "$WORKER" --show 0 \
      --settings "$label" | tee -a "$RESULTS"
    echo "{\"load1_before\": $load, \"load1_after\": $(cut -d' ' -f1 /proc/loadavg), \"concurrency\": $c}" >>"$RESULTS"
    if ! kill "$pid" 2>/dev/null; then
      echo "# llama-server exited during the run; its log:" >&2; tail -n 20 "$LOG" >&2; exit 1
    fi
    wait "$pid" 2>/dev/null || true; pid=
  done
done
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
python3 - "$RESULTS" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
print("| settings | in flight | answers/s | generated tokens/s | prompt tokens/s | prompt tokens from the cache | latency p50 / p99 | load (1 min) before / after |")
print("|---|---|---|---|---|---|---|---|")
for r, l in zip(lines[0::2], lines[1::2]):
    share = r["prompt_tokens_cached_share"]
    print(f"| {r['settings']} | {l['concurrency']} | {r['answers_per_s']} | {r['completion_tokens_per_s']} | "
          f"{r['prompt_tokens_per_s']} | {'-' if share is None else f'{100 * share:.0f} %'} | "
          f"{r['latency_p50_s']} / {r['latency_p99_s']} s | {l['load1_before']} / {l['load1_after']} |")
PY
