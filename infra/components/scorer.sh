# infra/components/scorer.sh: runs qaflow-scorer (BERTScore over HTTP) for the ScoreJob.
#
# Process "scorer": POST /score, /health, /metrics on QAFLOW_SCORER_PORT (5002); log in
# $QAFLOW_VAR/log/scorer.log. Model from QAFLOW_MODEL_DIR (installed by the models component),
# layer QAFLOW_BERTSCORE_LAYER (default 6, see docs/bertscore.md), baseline
# QAFLOW_BERTSCORE_BASELINE (default the calibrated file for all-MiniLM-L6-v2),
# encoder threads QAFLOW_BERTSCORE_THREADS (default 2).

: "${QAFLOW_SCORER_PORT:=5002}"
: "${QAFLOW_BERTSCORE_BASELINE:=$QAFLOW_ROOT/src/bertscore/baselines/all-MiniLM-L6-v2.tsv}"

scorer_bin() { printf '%s/qaflow-scorer' "$QAFLOW_BIN_DIR"; }
scorer_healthy() { qf_http_ok "http://127.0.0.1:$QAFLOW_SCORER_PORT/health"; }

scorer_setup() { :; } # built by the CMake tree (./qaflow build); the model comes from the models component

scorer_start() {
  qf_pid scorer >/dev/null && return 0
  local bin; bin="$(scorer_bin)"
  [[ -x "$bin" ]] || qf_die "qaflow-scorer not built ($bin): run ./qaflow setup (or ./qaflow build)"
  [[ -f "$QAFLOW_MODEL_DIR/model.safetensors" ]] || qf_die "no model in $QAFLOW_MODEL_DIR: run ./qaflow setup"
  qf_port_open "$QAFLOW_SCORER_PORT" && qf_die "port $QAFLOW_SCORER_PORT is already taken (set QAFLOW_SCORER_PORT)"
  qf_info "starting qaflow-scorer on :$QAFLOW_SCORER_PORT"
  qf_spawn scorer "$bin" --port "$QAFLOW_SCORER_PORT" --model-dir "$QAFLOW_MODEL_DIR" \
    --baseline "$QAFLOW_BERTSCORE_BASELINE"
  qf_wait_service scorer "qaflow-scorer /health" "$QAFLOW_START_TIMEOUT" scorer_healthy ||
    qf_die "qaflow-scorer did not become healthy (see $(qf_logfile scorer))"
}

scorer_stop() { qf_stop scorer 30; }

scorer_status() {
  local pid
  if pid="$(qf_pid scorer)"; then
    printf 'up %s %s\n' "$QAFLOW_SCORER_PORT" "$pid"
  else
    printf 'down %s -\n' "$QAFLOW_SCORER_PORT"
  fi
}
