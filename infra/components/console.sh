# infra/components/console.sh: runs qaflow-console (the web console) on QAFLOW_CONSOLE_PORT (8080); its npm files at setup.
#
# Process "console": pages, JSON API (/api/...), SSE (/api/events), /health and /metrics; log in
# $QAFLOW_VAR/log/console.log. It reads Kafka, PostgreSQL, every service of qf_service_targets,
# Flink's REST API (QAFLOW_FLINK_PORT) and links to Prometheus (QAFLOW_PROMETHEUS_PORT).
# The chart library (uPlot) and the browser-test driver (playwright-core) come from npm:
# `npm ci` on src/console/package-lock.json into src/console/node_modules (npm's cache makes
# later runs offline).

: "${QAFLOW_CONSOLE_PORT:=8080}"

console_bin() { printf '%s/qaflow-console' "$QAFLOW_BIN_DIR"; }
console_url() { printf 'http://127.0.0.1:%s' "$QAFLOW_CONSOLE_PORT"; }
console_healthy() { qf_http_ok "$(console_url)/health"; }
console_npm_dir() { printf '%s/src/console' "$QAFLOW_ROOT"; }

# console_setup: npm ci from the lock file, unless node_modules is newer than it (npm's cache makes it offline later).
console_setup() {
  local dir; dir="$(console_npm_dir)"
  if [[ -d "$dir/node_modules/uplot" && -d "$dir/node_modules/playwright-core" &&
    "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]]; then
    return 0
  fi
  qf_need npm
  qf_info "console: npm ci (uplot, playwright-core) in $dir"
  (cd "$dir" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error) >&2 || qf_die "npm ci failed in $dir"
}

console_start() {
  qf_pid console >/dev/null && return 0
  local bin; bin="$(console_bin)"
  [[ -x "$bin" ]] || qf_die "qaflow-console not built ($bin): run ./qaflow setup (or ./qaflow build)"
  qf_port_open "$QAFLOW_CONSOLE_PORT" && qf_die "port $QAFLOW_CONSOLE_PORT is already taken (set QAFLOW_CONSOLE_PORT)"
  local -a svc=()
  local name url path
  while read -r name url path; do
    [[ "$name" == console ]] || svc+=(--service "$name=$url")
  done < <(qf_service_targets)
  qf_info "starting qaflow-console on $(console_url)"
  qf_spawn console "$bin" --port "$QAFLOW_CONSOLE_PORT" --brokers "$(qf_kafka_bootstrap)" --pg-dsn "$(qf_pg_dsn)" \
    --storage-url "http://127.0.0.1:$QAFLOW_STORAGE_PORT" --flink-url "http://127.0.0.1:${QAFLOW_FLINK_PORT:-8081}" \
    --prometheus-url "http://127.0.0.1:$QAFLOW_PROMETHEUS_PORT" --vendor "$(console_npm_dir)/node_modules" \
    --www "$(console_npm_dir)/www" "${svc[@]}"
  qf_wait_service console "qaflow-console /health" "$QAFLOW_START_TIMEOUT" console_healthy ||
    qf_die "qaflow-console did not become healthy (see $(qf_logfile console))"
}

console_stop() { qf_stop console 20; }

console_status() { qf_status_line console "$QAFLOW_CONSOLE_PORT"; }
