#!/usr/bin/env bash
# bench/pipeline/run.sh: the whole pipeline's throughput vs the scorer's own capacity, and the
# per-stage latency at half that load, in one run against the stack of `./qaflow up --llm stub`
# (loopback only: storage :5001, scorer :5002, the stub's admin API, PostgreSQL through ./qaflow psql).
#
# usage: ./qaflow up --llm stub && bench/pipeline/run.sh [N_FULL]     (N_FULL <= 318, default 318; x ROUNDS tags)
#        ./qaflow up --llm llama && bench/pipeline/run.sh --llm [N]   the real-LLM mode: bench/pipeline/run_llm.sh
# env:   SCORER_CONCURRENCY (32: pairs in flight for the scorer alone = its --http-threads)
#        ROUNDS (2), TRAFFIC_CONCURRENCY (32), HALF_SECONDS (30: length of the half-load phase, at most 318 questions),
#        WAIT_LIMIT (300 s per phase), WARM (150 warm-up questions: JIT of the Flink job)
#
# 1. scorer alone: the same pairs the pipeline will score (dataset/sample.csv references, answers =
#    the reference with every third word dropped, cut to the worker's max_tokens words), one pair per
#    request, SCORER_CONCURRENCY in flight (bench/flink/scorer_alone.py);
# 2. pipeline: the stub is scripted to give exactly those answers to this run's questions
#    (qaflow-traffic --tag <run id>: new questions), N_FULL POSTed at once; throughput from
#    PostgreSQL (first question stored -> last result persisted), pairs scored = rows in attempts;
# 3. latency: questions POSTed at half the measured rate for HALF_SECONDS, per stage from
#    processing_metrics / responses of those questions only (latency.sql).
# Phases 1 and 2 also print the CPU seconds each component used (cpu.py), which explains the ratio
# on a small machine. Typical duration ~70 s; bounded by WAIT_LIMIT per phase (4 phases).
# Outputs (logs, pairs, stub scripts, tables) in var/bench-pipeline/<run id>/; the last line is
# "RESULT ..." with the figures. Tuned runs: QAFLOW_FLINK_JOB_ARGS=... ./qaflow up flink first
# (the script only logs the variable).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"
[[ "${1:-}" == --llm ]] && { shift; exec "$HERE/run_llm.sh" "$@"; }
N_FULL="${1:-318}"
SCONC="${SCORER_CONCURRENCY:-32}"
HALF_SECONDS="${HALF_SECONDS:-30}"
WAIT_LIMIT="${WAIT_LIMIT:-300}"
WARM="${WARM:-150}"
ROUNDS="${ROUNDS:-2}"   # full load = ROUNDS x N_FULL questions (the dataset has 318 distinct ones per tag)
MAX_WORDS="${QAFLOW_LLM_MAX_TOKENS:-128}"   # the worker's max_tokens: the stub cuts answers to that many words
RUN="pl$(date -u +%Y%m%d%H%M%S)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
[[ "${QAFLOW_LLM_MODE:-}" == stub ]] || { echo "the stack's LLM is not the stub (./qaflow up --llm stub; bench/pipeline/run.sh --llm for a real LLM)" >&2; exit 1; }
script_tag() { # TAG N: stub scripts (and scorer pairs) for the first N dataset rows under TAG
  python3 "$ROOT/bench/flink/gen.py" "$SAMPLE" "$2" "$1" \
    | python3 "$HERE/stub_scripts.py" "$1" "$OUT/$1.scripts.json" "$OUT/$1.pairs.tsv" "$MAX_WORDS"
  curl -sf -X POST "$QAFLOW_LLM_URL/admin/script" -H 'Content-Type: application/json' \
    --data-binary @"$OUT/$1.scripts.json" >/dev/null
}

log "run $RUN: N_FULL=$N_FULL x ROUNDS=$ROUNDS scorer concurrency=$SCONC; machine $(nproc) cores; load $(load)"
log "job args: ${QAFLOW_FLINK_JOB_ARGS:-(defaults)}"
curl -sf "$STORAGE/health" >/dev/null && curl -sf "http://127.0.0.1:$SCORER_PORT/health" >/dev/null \
  || { echo "storage/scorer not healthy: ./qaflow up --llm stub" >&2; exit 1; }

# warm-up: WARM questions through everything (JIT, connections, caches)
script_tag "$RUN-warm" "$WARM"
base="$(done_total)"
send "$RUN-warm" "$WARM" 0
wait_done "$RUN-warm" "$WARM" "$base"
log "warm-up done; load $(load)"

# 1. the scorer alone, on exactly the pairs phase 2 will score
for ((k = 1; k <= ROUNDS; k++)); do script_tag "$RUN-full$k" "$N_FULL"; done
cat "$OUT/$RUN"-full*.pairs.tsv >"$OUT/alone.pairs.tsv"
cpu a0
alone="$(python3 "$ROOT/bench/flink/scorer_alone.py" "$SCORER_PORT" "$SCONC" "$OUT/alone.pairs.tsv")"
cpu a1
log "$alone; load $(load)"
log "scorer alone: $(cpu_diff a0 a1)"
alone_rate="$(sed -n 's/.*pairs_per_s=\([0-9.]*\).*/\1/p' <<<"$alone")"

# 2. the pipeline: N_FULL new questions at once
base="$(done_total)"
cpu f0
for ((k = 1; k <= ROUNDS; k++)); do send "$RUN-full$k" "$N_FULL" 0; done
wait_done "$RUN-full" $((N_FULL * ROUNDS)) "$base"
cpu f1
log "pipeline: $(cpu_diff f0 f1) (includes up to 0.5 s after the last result)"
# "[RUN-full" covers every round's tag
sql "[$RUN-full" "$HERE/run_stats.sql" | tee "$OUT/full.stats" >&2
read -r q_rate p_rate < <(./qaflow psql -X -q -t -A -F' ' -v prefix="[$RUN-full" -f "$HERE/run_stats.sql" \
  | awk -F' ' '{ print $(NF-1), $NF }')
log "pipeline: $q_rate questions/s, $p_rate pairs/s; scorer alone $alone_rate pairs/s; ratio (questions) $(awk -v a="$q_rate" -v b="$alone_rate" 'BEGIN { printf "%.2f", a / b }'); load $(load)"

# 3. half load: new questions at half the pipeline's rate, per-stage latency
half="$(awk -v r="$q_rate" 'BEGIN { printf "%.1f", r / 2 }')"
nh="$(awk -v r="$half" -v s="$HALF_SECONDS" 'BEGIN { n = int(r * s); if (n > 318) n = 318; if (n < 50) n = 50; print n }')"
script_tag "$RUN-half" "$nh"
log "half load: $nh questions at $half/s"
base="$(done_total)"
send "$RUN-half" "$nh" "$half"
wait_done "$RUN-half" "$nh" "$base"
sql "[$RUN-half] " "$HERE/run_stats.sql" | tee "$OUT/half.stats" >&2
sql "[$RUN-half] " "$HERE/latency.sql" | tee "$OUT/half.latency" >&2
curl -sf -X DELETE "$QAFLOW_LLM_URL/admin/script" >/dev/null || true
log "done: run $RUN, outputs in $OUT; load $(load)"
echo "RESULT run=$RUN scorer_alone_pairs_per_s=$alone_rate pipeline_questions_per_s=$q_rate pipeline_pairs_per_s=$p_rate half_load=$half/s load=\"$(load)\""
