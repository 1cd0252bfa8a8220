# infra/components/prometheus.sh: Debian's prometheus on QAFLOW_PROMETHEUS_PORT (9090) scraping every qaflow service, with
# qaflow's alert rules. Started only by `./qaflow up --with-prometheus` (or `./qaflow up prometheus`).
#
# Process "prometheus"; log $QAFLOW_VAR/log/prometheus.log; data $QAFLOW_VAR/data/prometheus (retention
# QAFLOW_PROMETHEUS_RETENTION, default 7d). The scrape configuration is written at start to
# $QAFLOW_VAR/prometheus/prometheus.yml from qf_service_targets (each replica one target, so the ports and
# replica counts of this stack are the ones scraped); the rules are infra/prometheus/rules.yml.

: "${QAFLOW_PROMETHEUS_PORT:=9090}"
: "${QAFLOW_PROMETHEUS_RETENTION:=7d}"
: "${QAFLOW_PROMETHEUS_SCRAPE_INTERVAL:=5s}"

prometheus_rules() { printf '%s/infra/prometheus/rules.yml' "$QAFLOW_ROOT"; }
prometheus_config_file() { printf '%s/prometheus/prometheus.yml' "$QAFLOW_VAR"; }
prometheus_url() { printf 'http://127.0.0.1:%s' "$QAFLOW_PROMETHEUS_PORT"; }
prometheus_ready() { qf_http_ok "$(prometheus_url)/-/ready"; }

prometheus_setup() { :; } # the Debian package (infra/packages.txt)

# prometheus_config: the scrape configuration on stdout: one job per service, the replicas of one service
# ("llm-worker-1", "llm-worker-2") as targets of one job (llm-worker), each labelled with its process name.
prometheus_config() {
  local name url path job query
  local -a jobs=()
  local -A jpath=() jtargets=()
  while read -r name url path; do
    job="$(sed -E 's/-[0-9]+$//' <<<"$name")"
    [[ -n "${jpath[$job]:-}" ]] || jobs+=("$job")
    jpath[$job]="$path"
    jtargets[$job]+="      - targets: [\"${url#http://}\"]"$'\n'"        labels: {service: $name}"$'\n'
  done < <(qf_service_targets)
  printf '# written by ./qaflow up --with-prometheus from qf_service_targets (infra/lib/targets.sh); do not edit\n'
  printf 'global:\n  scrape_interval: %s\n  evaluation_interval: %s\n  scrape_timeout: 4s\n' \
    "$QAFLOW_PROMETHEUS_SCRAPE_INTERVAL" "$QAFLOW_PROMETHEUS_SCRAPE_INTERVAL"
  printf 'rule_files:\n  - %s\n' "$(prometheus_rules)"
  printf 'scrape_configs:\n'
  for job in "${jobs[@]}"; do
    path="${jpath[$job]}" query=""
    [[ "$path" == *\?* ]] && query="${path#*\?}" && path="${path%%\?*}"
    printf '  - job_name: %s\n    metrics_path: %s\n' "$job" "$path"
    if [[ -n "$query" ]]; then
      printf '    params:\n'
      tr '&' '\n' <<<"$query" | while IFS='=' read -r k v; do printf '      %s: [%s]\n' "$k" "$v"; done
    fi
    printf '    static_configs:\n%s' "${jtargets[$job]}"
  done
}

prometheus_start() {
  [[ "${QAFLOW_WITH_PROMETHEUS:-0}" == 1 ]] || return 0
  qf_pid prometheus >/dev/null && return 0
  qf_need prometheus promtool
  qf_port_open "$QAFLOW_PROMETHEUS_PORT" && qf_die "port $QAFLOW_PROMETHEUS_PORT is already taken (set QAFLOW_PROMETHEUS_PORT)"
  local cfg; cfg="$(prometheus_config_file)"
  mkdir -p "$(dirname "$cfg")" "$QAFLOW_VAR/data/prometheus"
  prometheus_config >"$cfg"
  promtool check config "$cfg" >/dev/null 2>&1 || { promtool check config "$cfg" >&2; qf_die "bad Prometheus configuration $cfg"; }
  qf_info "starting Prometheus on $(prometheus_url) ($(grep -c 'job_name' "$cfg") targets)"
  qf_spawn prometheus prometheus --config.file="$cfg" --storage.tsdb.path="$QAFLOW_VAR/data/prometheus" \
    --storage.tsdb.retention.time="$QAFLOW_PROMETHEUS_RETENTION" --web.listen-address="127.0.0.1:$QAFLOW_PROMETHEUS_PORT"
  qf_wait_service prometheus "Prometheus /-/ready" "$QAFLOW_START_TIMEOUT" prometheus_ready ||
    qf_die "Prometheus did not become ready (see $(qf_logfile prometheus))"
}

prometheus_stop() { qf_stop prometheus 30; }

prometheus_status() { qf_status_line prometheus "$QAFLOW_PROMETHEUS_PORT"; }
