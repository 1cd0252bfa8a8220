#!/usr/bin/env bash
# bench/flink/threshold_run.sh: data for the threshold: Q questions of the sample, each answered 4 times by the real
# embedded LLM (llama-server + Gemma 3 270M), every answer scored (ScoreJob --threshold 1.01), then threshold.sql.
# usage: eval "$(./qaflow test-stack env)"; bench/flink/threshold_run.sh [Q]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=/dev/null
source "$HERE/../../tests/integration/flink/lib.sh"
Q="${1:-40}"
ft_init threshold
LLAMA_BIN="${QAFLOW_LLAMA_SERVER:-$QAFLOW_CACHE/llama-server-0.3.36/bin/llama-server}"
GGUF="${QAFLOW_LLAMA_MODEL:-$QAFLOW_CACHE/models/gemma-3-270m-q4_k_m.gguf}"
[[ -x "$LLAMA_BIN" && -f "$GGUF" ]] || ft_die "llama-server or the Gemma model missing (./qaflow setup builds them)"
LLAMA_PORT=$((QAFLOW_TEST_PORT_BASE + 830))
ft_scorer_start scorer "$FT_SCORER_PORT"
qf_spawn llm "$LLAMA_BIN" --model "$GGUF" --alias gemma-3-270m --host 127.0.0.1 --port "$LLAMA_PORT" \
  --ctx-size 4096 --threads 2 --parallel 2
qf_wait_for "llama-server" 180 qf_http_ok "http://127.0.0.1:$LLAMA_PORT/health" || ft_die "llama-server did not start"
qf_spawn storage "$(ft_bin qaflow-storage)" --port "$FT_STORAGE_PORT" --brokers "$FT_K" \
  --pg-dsn "$QAFLOW_TEST_PG_DSN" --redis "$QAFLOW_TEST_REDIS" --group "qaflow-storage-$FT_RUN"
qf_wait_for "storage" 60 qf_http_ok "http://127.0.0.1:$FT_STORAGE_PORT/health" || ft_die "storage did not start"
qf_spawn llm-worker "$(ft_bin qaflow-llm-worker)" --brokers "$FT_K" --group "qaflow-llm-workers-$FT_RUN" \
  --backend openai --llm-url "http://127.0.0.1:$LLAMA_PORT" --model gemma-3-270m --concurrency 2 -X auto.offset.reset=latest \
  --metrics-port "$FT_WORKER_PORT"
qf_wait_for "llm worker" 60 qf_http_ok "http://127.0.0.1:$FT_WORKER_PORT/health" || ft_die "worker did not start"
ft_cluster_and_job --scorer "http://127.0.0.1:$FT_SCORER_PORT" --threshold 1.01 --max-regenerations 3

python3 - "$QAFLOW_ROOT/dataset/sample.csv" "$Q" "$FT_RUN" >"$QAFLOW_VAR/questions.jsonl" <<'PY'
import csv, json, sys
path, q, run = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = [r for r in csv.reader(open(path, newline="", encoding="utf-8")) if len(r) == 4 and r[3].strip()]
for r in rows[:q]:
    print(json.dumps({"question_text": r[1] + " [" + run + "]", "original_answer": r[3].replace("\\n", "\n")}))
PY
: >"$QAFLOW_VAR/ids"
while IFS= read -r body; do
  curl -sS --max-time 30 -H 'Content-Type: application/json' -d "$body" \
    "http://127.0.0.1:$FT_STORAGE_PORT/query" | jq -r .question_id >>"$QAFLOW_VAR/ids"
done <"$QAFLOW_VAR/questions.jsonl"
ft_log "$(wc -l <"$QAFLOW_VAR/ids") questions submitted; waiting for 4 scored answers each"
ids="$(sed "s/.*/'&'/" "$QAFLOW_VAR/ids" | paste -sd,)"
deadline=$((SECONDS + ${QAFLOW_THRESHOLD_WAIT_S:-3600}))
while :; do
  done_n="$(psql "$QAFLOW_TEST_PG_DSN" -XAtq -c "SELECT count(*) FROM questions WHERE question_id IN ($ids) AND status <> 'pending'")"
  ft_log "finished $done_n / $Q"
  ((done_n >= Q)) && break
  ((SECONDS < deadline)) || { ft_log "time is up: using what is there"; break; }
  sleep 15
done
# threshold.sql over this run's questions only
sed "s/FROM attempts GROUP BY question_id/FROM attempts WHERE question_id IN ($ids) GROUP BY question_id/" \
  "$HERE/threshold.sql" | psql "$QAFLOW_TEST_PG_DSN" -X -v cap=3 -f - | tee "$QAFLOW_VAR/threshold.txt"
psql "$QAFLOW_TEST_PG_DSN" -X -c "SELECT width_bucket(bert_score, -0.5, 1.0, 15) AS bucket,
  round(min(bert_score)::numeric, 2) AS lo, round(max(bert_score)::numeric, 2) AS hi, count(*)
  FROM attempts WHERE question_id IN ($ids) GROUP BY 1 ORDER BY 1" | tee -a "$QAFLOW_VAR/threshold.txt"
