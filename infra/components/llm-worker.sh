# infra/components/llm-worker.sh: runs QAFLOW_LLM_WORKERS replicas of qaflow-llm-worker (one consumer group).
#
# Replica i is process "llm-worker-i" (log $QAFLOW_VAR/log/llm-worker-i.log, pid in run/), with
# /health and /metrics on QAFLOW_LLM_WORKER_METRICS_PORT + i - 1 (5011, 5012, ...). The LLM comes
# from the llm component ($QAFLOW_VAR/run/llm.env: QAFLOW_LLM_BACKEND, QAFLOW_LLM_URL,
# QAFLOW_LLM_MODEL, QAFLOW_LLM_OPENAI_ENDPOINT); every other worker setting can be given as its
# environment variable (see qaflow-llm-worker --help), e.g. QAFLOW_LLM_CONCURRENCY.
# Request concurrency: when the llm component started llama-server it publishes its slots
# (QAFLOW_LLM_SLOTS); unless QAFLOW_LLM_CONCURRENCY is set, each of the N replicas then keeps as
# many requests in flight as there are slots, so any one replica can fill every slot. Kafka does
# not split questions evenly between replicas (questions-pending has 3 partitions: 2 replicas get
# 2 and 1), and with slots / N each, the replica that ran out of work left its share of the slots
# idle (measured in docs/performance.md, "Pipeline with the real LLM"). What exceeds the slots
# waits in llama-server's queue, inside the worker's request timeout. Otherwise the worker's
# default applies.

: "${QAFLOW_LLM_WORKERS:=2}"
: "${QAFLOW_LLM_WORKER_METRICS_PORT:=5011}"

llmw_bin() { printf '%s/qaflow-llm-worker' "$QAFLOW_BIN_DIR"; }
llmw_port() { printf '%s' $((QAFLOW_LLM_WORKER_METRICS_PORT + $1 - 1)); }
llmw_healthy() { qf_http_ok "http://127.0.0.1:$(llmw_port "$1")/health"; }

# llmw_replicas: 1..N, plus any higher replica still running from an earlier, larger setting.
llmw_replicas() {
  local i=1 n=$QAFLOW_LLM_WORKERS
  while ((i <= n)) || qf_pid "llm-worker-$i" >/dev/null; do echo "$i"; i=$((i + 1)); done
}

# llmw_concurrency: QAFLOW_LLM_CONCURRENCY if set, else QAFLOW_LLM_SLOTS when the LLM's slots are
# known, else nothing (the worker's own default).
llmw_concurrency() {
  if [[ -n "${QAFLOW_LLM_CONCURRENCY:-}" ]]; then echo "$QAFLOW_LLM_CONCURRENCY"; return; fi
  [[ "${QAFLOW_LLM_SLOTS:-}" =~ ^[1-9][0-9]*$ ]] || return 0
  echo "$QAFLOW_LLM_SLOTS"
}

llm-worker_setup() { :; } # built by the CMake tree (./qaflow build)

llm-worker_start() {
  local bin; bin="$(llmw_bin)"
  if [[ ! -x "$bin" ]]; then
    qf_die "qaflow-llm-worker not built ($bin): run ./qaflow setup (or ./qaflow build)"
  fi
  [[ "$QAFLOW_LLM_WORKERS" =~ ^[1-9][0-9]*$ ]] || qf_die "QAFLOW_LLM_WORKERS must be a positive integer"
  local envf="$QAFLOW_VAR/run/llm.env"
  # shellcheck source=/dev/null
  [[ -f "$envf" ]] && source "$envf"
  [[ -n "${QAFLOW_LLM_URL:-}" ]] || qf_warn "llm-worker: no QAFLOW_LLM_URL (llm component not started?): using the worker's default"
  local conc; conc="$(llmw_concurrency)"
  local i port
  for ((i = 1; i <= QAFLOW_LLM_WORKERS; i++)); do
    qf_pid "llm-worker-$i" >/dev/null && continue
    port="$(llmw_port "$i")"
    qf_port_open "$port" && qf_die "port $port is already taken (set QAFLOW_LLM_WORKER_METRICS_PORT)"
    qf_info "starting qaflow-llm-worker #$i (backend ${QAFLOW_LLM_BACKEND:-ollama}, ${QAFLOW_LLM_URL:-default URL}, metrics :$port${conc:+, concurrency $conc})"
    qf_spawn "llm-worker-$i" "$bin" --brokers "$(qf_kafka_bootstrap)" --metrics-port "$port" \
      --client-id "qaflow-llm-worker-$i" ${conc:+--concurrency "$conc"}
  done
  for ((i = 1; i <= QAFLOW_LLM_WORKERS; i++)); do
    qf_wait_service "llm-worker-$i" "qaflow-llm-worker #$i /health" "$QAFLOW_START_TIMEOUT" llmw_healthy "$i" ||
      qf_die "qaflow-llm-worker #$i did not become healthy"
  done
}

llm-worker_stop() {
  local i
  for i in $(llmw_replicas); do qf_stop "llm-worker-$i" 40; done
}

# llm-worker_status: one `up|down port pid detail` line per replica.
llm-worker_status() {
  local i pid
  for i in $(llmw_replicas); do
    if pid="$(qf_pid "llm-worker-$i")"; then
      printf 'up %s %s replica %s (llm-worker-%s.log)\n' "$(llmw_port "$i")" "$pid" "$i" "$i"
    else
      printf 'down %s - replica %s\n' "$(llmw_port "$i")" "$i"
    fi
  done
}
