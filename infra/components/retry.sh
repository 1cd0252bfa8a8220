# infra/components/retry.sh: runs both retry consumers, qaflow-retry --policy overload and --policy quota.
#
# Processes "retry-overload" (/health, /metrics on QAFLOW_RETRY_OVERLOAD_PORT, 5021) and
# "retry-quota" (QAFLOW_RETRY_QUOTA_PORT, 5022); logs in $QAFLOW_VAR/log/retry-<policy>.log.
# They write llm_errors rows in qaflow's PostgreSQL. QAFLOW_RETRY_FIXED_DELAY_S (default 60)
# is the quota delay when the LLM sends no Retry-After.

: "${QAFLOW_RETRY_OVERLOAD_PORT:=5021}"
: "${QAFLOW_RETRY_QUOTA_PORT:=5022}"

retryc_bin() { printf '%s/qaflow-retry' "$QAFLOW_BIN_DIR"; }
retryc_port() { if [[ $1 == overload ]]; then echo "$QAFLOW_RETRY_OVERLOAD_PORT"; else echo "$QAFLOW_RETRY_QUOTA_PORT"; fi; }
retryc_healthy() { qf_http_ok "http://127.0.0.1:$(retryc_port "$1")/health"; }

retry_setup() { :; } # built by the CMake tree (./qaflow build)

retry_start() {
  local bin; bin="$(retryc_bin)"
  [[ -x "$bin" ]] || qf_die "qaflow-retry not built ($bin): run ./qaflow setup (or ./qaflow build)"
  local policy port
  for policy in overload quota; do
    qf_pid "retry-$policy" >/dev/null && continue
    port="$(retryc_port "$policy")"
    qf_port_open "$port" && qf_die "port $port is already taken (set QAFLOW_RETRY_${policy^^}_PORT)"
    qf_info "starting qaflow-retry --policy $policy (metrics :$port)"
    qf_spawn "retry-$policy" "$bin" --policy "$policy" --brokers "$(qf_kafka_bootstrap)" \
      --pg-dsn "$(qf_pg_dsn)" --metrics-port "$port"
  done
  for policy in overload quota; do
    qf_wait_service "retry-$policy" "qaflow-retry $policy /health" "$QAFLOW_START_TIMEOUT" retryc_healthy "$policy" ||
      qf_die "qaflow-retry --policy $policy did not become healthy"
  done
}

retry_stop() {
  qf_stop retry-overload 30
  qf_stop retry-quota 30
}

# retry_status: one `up|down port pid detail` line per policy.
retry_status() {
  local policy pid
  for policy in overload quota; do
    if pid="$(qf_pid "retry-$policy")"; then
      printf 'up %s %s policy %s\n' "$(retryc_port "$policy")" "$pid" "$policy"
    else
      printf 'down %s - policy %s\n' "$(retryc_port "$policy")" "$policy"
    fi
  done
}
