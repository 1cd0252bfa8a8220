# infra/components/storage.sh: runs QAFLOW_STORAGE_REPLICAS instances of qaflow-storage (HTTP API + outbox relay +
# persistence consumer) from the build.
#
# Instance 1 is process "storage" on QAFLOW_STORAGE_PORT (5001); instance i > 1 is "storage-i" on
# QAFLOW_STORAGE_REPLICA_PORT + i - 2 (5031, 5032 ...). Every instance relays the outbox (rows claimed with
# FOR UPDATE SKIP LOCKED, so a row goes out once), is a member of the one persistence consumer group
# (qaflow-storage) and runs the sweeper (its re-enqueue and fail statements act only on a run that is still
# pending, so two sweepers never act twice on one run); see docs/scaling.md.

: "${QAFLOW_STORAGE_REPLICA_PORT:=5031}"

storage_bin() { printf '%s/qaflow-storage' "$QAFLOW_BIN_DIR"; }
# storage_port [I]: instance I's port (default 1).
storage_port() { qf_replica_port "$QAFLOW_STORAGE_PORT" "$QAFLOW_STORAGE_REPLICA_PORT" "${1:-1}"; }
storage_url() { printf 'http://127.0.0.1:%s' "$(storage_port "${1:-1}")"; }

storage_setup() { :; } # built by the CMake tree (./qaflow build)

storage_healthy() { qf_http_ok "$(storage_url "${1:-1}")/health"; }

storage_start() {
  local bin; bin="$(storage_bin)"
  if [[ ! -x "$bin" ]]; then
    if [[ ! -f "$QAFLOW_ROOT/src/storage/CMakeLists.txt" ]]; then
      qf_warn "qaflow-storage is not part of this tree yet: skipped"
      return 0
    fi
    qf_die "qaflow-storage not built ($bin): run ./qaflow setup (or ./qaflow build)"
  fi
  # POST /query?mode=sync asks the stack's LLM (llm.env of the llm component, when it ran before) and scorer.
  # shellcheck source=/dev/null
  [[ -f "$QAFLOW_VAR/run/llm.env" ]] && source "$QAFLOW_VAR/run/llm.env"
  local i
  for ((i = 1; i <= QAFLOW_STORAGE_REPLICAS; i++)); do
    qf_replica_spawn storage "$i" "$(storage_port "$i")" qaflow-storage "$bin" --port "$(storage_port "$i")" \
      --brokers "$(qf_kafka_bootstrap)" --pg-dsn "$(qf_pg_dsn)" --redis "$(qf_redis_addr)" \
      --scorer-url "http://127.0.0.1:${QAFLOW_SCORER_PORT:-5002}"
  done
  qf_replica_wait storage "$QAFLOW_STORAGE_REPLICAS" qaflow-storage storage_healthy
}

storage_stop() { qf_replica_stop storage "$QAFLOW_STORAGE_REPLICAS" 30; }

# storage_status: one `up|down port pid [detail]` line per instance.
storage_status() { qf_replica_status storage "$QAFLOW_STORAGE_REPLICAS" instance storage_port; }
