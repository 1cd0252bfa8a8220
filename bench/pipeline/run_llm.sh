#!/usr/bin/env bash
# bench/pipeline/run_llm.sh: the whole pipeline with the real LLM against the LLM alone, in one run, same prompts
# (bench/pipeline/run.sh --llm runs it).
#
# usage: ./qaflow up --llm llama && bench/pipeline/run.sh --llm [N]     (N questions, default 48, <= 318)
# env:   WARM (4 warm-up questions; 0: none), WAIT_LIMIT (1800 s for the pipeline phase), ALONE_CONCURRENCY (default:
#        the llama-server slots published by the launcher, QAFLOW_LLM_SLOTS, else 8), QAFLOW_LLM_MAX_TOKENS (128),
#        QAFLOW_LLM_TEMPERATURE (0.7): the worker's settings, which the LLM-alone phase uses too;
#        SKIP_ALONE=1: the pipeline phase only (bench/pipeline/variants.sh)
#
# 1. pipeline: N new questions (qaflow-traffic --tag <run id>-full) POSTed at once; questions/s from
#    PostgreSQL (first question stored -> last result persisted, run_stats.sql), the LLM answers the
#    pipeline got scored per second (rows in attempts / the same window), attempts per question, and the
#    CPU seconds of every component (scorer, Flink, Kafka, PostgreSQL, llama-server...) in that window;
# 2. the LLM alone: the same N question texts (read back from PostgreSQL), each turned into the exact
#    prompt the worker sends (qaflow-llm-worker --print-prompt), as many requests as the pipeline's
#    scored LLM answers (the texts cycled in order), sent straight to the LLM server
#    (/v1/completions) with the worker's max_tokens, temperature and stop sequence, as many in flight as
#    the workers keep (bench/llama/bench.py): answers/s, tokens/s, latency.
# The target: the pipeline's LLM answers/s >= 90 % of the LLM alone's. Questions/s = that rate divided by
# the attempts per question. Outputs in $QAFLOW_VAR/bench-pipeline/<run id>/; the last line is "RESULT ...".
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"
N="${1:-48}"
WARM="${WARM:-4}"
WAIT_LIMIT="${WAIT_LIMIT:-1800}"
MAXTOK="${QAFLOW_LLM_MAX_TOKENS:-128}"
TEMP="${QAFLOW_LLM_TEMPERATURE:-0.7}"
RUN="pr$(date -u +%Y%m%d%H%M%S)"
# shellcheck source=lib.sh
source "$HERE/lib.sh"
case "${QAFLOW_LLM_MODE:-}" in
  llama | openai) ;;
  *) echo "the stack's LLM is '${QAFLOW_LLM_MODE:-none}': the real-LLM mode needs an OpenAI-compatible one (./qaflow up --llm llama)" >&2; exit 1 ;;
esac
ACONC="${ALONE_CONCURRENCY:-${QAFLOW_LLM_SLOTS:-8}}"
((N >= 1 && N <= 318)) || { echo "N must be 1..318 (distinct questions of dataset/sample.csv)" >&2; exit 2; }

log "run $RUN (real LLM): N=$N; LLM $QAFLOW_LLM_URL model $QAFLOW_LLM_MODEL slots ${QAFLOW_LLM_SLOTS:-?}; machine $(nproc) cores; load $(load)"
curl -sf "$STORAGE/health" >/dev/null && curl -sf "http://127.0.0.1:$SCORER_PORT/health" >/dev/null \
  || { echo "storage/scorer not healthy: ./qaflow up --llm llama" >&2; exit 1; }

# warm-up: a few questions through everything (JIT, connections, llama-server's prompt cache)
if ((WARM > 0)); then   # (qaflow-traffic --count 0 would send every record)
  base="$(done_total)"
  send "$RUN-warm" "$WARM" 0
  wait_done "$RUN-warm" "$WARM" "$base"
  log "warm-up done; load $(load)"
fi

# 1. the pipeline
base="$(done_total)"
cpu p0
send "$RUN-full" "$N" 0
wait_done "$RUN-full" "$N" "$base"
cpu p1
log "pipeline: $(cpu_diff p0 p1) (includes up to 0.5 s after the last result)"
sql "[$RUN-full] " "$HERE/run_stats.sql" | tee "$OUT/full.stats" >&2
read -r questions pairs below avg_score q_rate p_rate < <(./qaflow psql -X -q -t -A -F' ' -v prefix="[$RUN-full] " \
  -f "$HERE/run_stats.sql" | awk -F' ' '{ print $1, $3, $5, $6, $(NF-1), $NF }')
attempts="$(awk -v p="$pairs" -v q="$questions" 'BEGIN { printf "%.2f", q ? p / q : 0 }')"
./qaflow psql -X -q -v prefix="[$RUN-full] " <<<"SELECT r.processing_attempts AS attempts, count(*) AS questions
  FROM responses r JOIN questions q USING (question_id) WHERE starts_with(q.question_text, :'prefix')
  GROUP BY 1 ORDER BY 1;" | tee "$OUT/full.attempts" >&2

result="run=$RUN mode=llm questions=$questions pipeline_questions_per_s=$q_rate pipeline_llm_answers_per_s=$p_rate attempts_per_question=$attempts avg_score=$avg_score accepted_below_threshold=$below"
if [[ -n "${SKIP_ALONE:-}" ]]; then   # bench/pipeline/variants.sh: only the pipeline's figures
  echo "RESULT $result load=\"$(load)\""
  exit 0
fi

# 2. the LLM alone, on the same question texts
./qaflow psql -X -q -t -A -v prefix="[$RUN-full] " \
  <<<"SELECT to_json(question_text) FROM questions WHERE starts_with(question_text, :'prefix') ORDER BY created_at;" \
  >"$OUT/questions.jsonl"
cpu a0
# as many requests as the pipeline's scored LLM answers (the questions in order, again from the first for the
# regenerations), so both sides make the same number of calls
alone="$(python3 "$ROOT/bench/llama/bench.py" --url "$QAFLOW_LLM_URL" --model "$QAFLOW_LLM_MODEL" -n "$pairs" -c "$ACONC" \
  --max-tokens "$MAXTOK" --temperature "$TEMP" --questions "$OUT/questions.jsonl" --worker "$BIN/qaflow-llm-worker" \
  --show 0 --settings "LLM alone, $ACONC in flight")"
cpu a1
echo "$alone" >"$OUT/alone.json"
log "LLM alone: $alone"
log "LLM alone: $(cpu_diff a0 a1)"
alone_rate="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["answers_per_s"])' "$alone")"
ratio="$(awk -v a="$p_rate" -v b="$alone_rate" 'BEGIN { printf "%.2f", b ? a / b : 0 }')"
log "pipeline: $q_rate questions/s, $p_rate LLM answers scored/s, $attempts attempts per question; LLM alone $alone_rate answers/s; ratio (answers) $ratio; load $(load)"
log "done: run $RUN, outputs in $OUT"
echo "RESULT $result llm_alone_answers_per_s=$alone_rate ratio=$ratio load=\"$(load)\""
