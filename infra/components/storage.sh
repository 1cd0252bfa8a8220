# infra/components/storage.sh: runs qaflow-storage (HTTP API + outbox relay + persistence consumer) from the build.

storage_bin() { printf '%s/qaflow-storage' "$QAFLOW_BIN_DIR"; }
storage_url() { printf 'http://127.0.0.1:%s' "$QAFLOW_STORAGE_PORT"; }

storage_setup() { :; } # built by the CMake tree (./qaflow build)

storage_healthy() { qf_http_ok "$(storage_url)/health"; }

storage_start() {
  local bin; bin="$(storage_bin)"
  if [[ ! -x "$bin" ]]; then
    if [[ ! -f "$QAFLOW_ROOT/src/storage/CMakeLists.txt" ]]; then
      qf_warn "qaflow-storage is not part of this tree yet: skipped"
      return 0
    fi
    qf_die "qaflow-storage not built ($bin): run ./qaflow setup (or ./qaflow build)"
  fi
  if ! qf_pid storage >/dev/null; then
    qf_port_open "$QAFLOW_STORAGE_PORT" && qf_die "port $QAFLOW_STORAGE_PORT is already taken (set QAFLOW_STORAGE_PORT)"
    qf_info "starting qaflow-storage on 127.0.0.1:$QAFLOW_STORAGE_PORT"
    # POST /query?mode=sync asks the stack's LLM (llm.env of the llm component, when it ran before) and scorer.
    # shellcheck source=/dev/null
    [[ -f "$QAFLOW_VAR/run/llm.env" ]] && source "$QAFLOW_VAR/run/llm.env"
    qf_spawn storage "$bin" --port "$QAFLOW_STORAGE_PORT" --brokers "$(qf_kafka_bootstrap)" \
      --pg-dsn "$(qf_pg_dsn)" --redis "$(qf_redis_addr)" --scorer-url "http://127.0.0.1:${QAFLOW_SCORER_PORT:-5002}"
  fi
  if ! qf_wait_service storage "qaflow-storage /health" "$QAFLOW_START_TIMEOUT" storage_healthy; then
    qf_die "qaflow-storage did not become healthy"
  fi
}

storage_stop() { qf_stop storage 30; }

storage_status() { qf_status_line storage "$QAFLOW_STORAGE_PORT"; }
