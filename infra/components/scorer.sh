# infra/components/scorer.sh: runs QAFLOW_SCORERS replicas of qaflow-scorer (BERTScore over HTTP) for the ScoreJob.
#
# Replica 1 is process "scorer": POST /score, /health, /metrics on QAFLOW_SCORER_PORT (5002); replica i > 1 is
# "scorer-i" on QAFLOW_SCORER_REPLICA_PORT + i - 2 (5041, 5042 ...); logs in $QAFLOW_VAR/log/<process>.log.
# The ScoreJob gets every replica's address (flink component) and spreads pairs over them. Model from
# QAFLOW_MODEL_DIR (installed by the models component), layer QAFLOW_BERTSCORE_LAYER (default 6, see
# docs/bertscore.md), baseline QAFLOW_BERTSCORE_BASELINE (default the calibrated file for all-MiniLM-L6-v2),
# encoder threads QAFLOW_BERTSCORE_THREADS (default 2).

: "${QAFLOW_SCORER_PORT:=5002}"
: "${QAFLOW_SCORER_REPLICA_PORT:=5041}"
: "${QAFLOW_BERTSCORE_BASELINE:=$QAFLOW_ROOT/src/bertscore/baselines/all-MiniLM-L6-v2.tsv}"

scorer_bin() { printf '%s/qaflow-scorer' "$QAFLOW_BIN_DIR"; }
# scorer_port [I]: replica I's port (default 1).
scorer_port() { qf_replica_port "$QAFLOW_SCORER_PORT" "$QAFLOW_SCORER_REPLICA_PORT" "${1:-1}"; }
# scorer_urls: every replica's base URL, comma-separated (what the ScoreJob's --scorer takes).
scorer_urls() {
  local i sep=""
  for ((i = 1; i <= ${QAFLOW_SCORERS:-1}; i++)); do printf '%shttp://127.0.0.1:%s' "$sep" "$(scorer_port "$i")"; sep=,; done
}
scorer_healthy() { qf_http_ok "http://127.0.0.1:$(scorer_port "${1:-1}")/health"; }

scorer_setup() { :; } # built by the CMake tree (./qaflow build); the model comes from the models component

scorer_start() {
  local bin; bin="$(scorer_bin)"
  [[ -x "$bin" ]] || qf_die "qaflow-scorer not built ($bin): run ./qaflow setup (or ./qaflow build)"
  [[ -f "$QAFLOW_MODEL_DIR/model.safetensors" ]] || qf_die "no model in $QAFLOW_MODEL_DIR: run ./qaflow setup"
  local i
  for ((i = 1; i <= QAFLOW_SCORERS; i++)); do
    qf_replica_spawn scorer "$i" "$(scorer_port "$i")" qaflow-scorer "$bin" --port "$(scorer_port "$i")" \
      --model-dir "$QAFLOW_MODEL_DIR" --baseline "$QAFLOW_BERTSCORE_BASELINE"
  done
  qf_replica_wait scorer "$QAFLOW_SCORERS" qaflow-scorer scorer_healthy
}

scorer_stop() { qf_replica_stop scorer "$QAFLOW_SCORERS" 30; }

# scorer_status: one `up|down port pid [detail]` line per replica.
scorer_status() { qf_replica_status scorer "$QAFLOW_SCORERS" replica scorer_port; }
