# infra/lib/stack.sh: component discovery and the up/down/status/logs commands over infra/components/*.sh.

# qf_component_names: the components in start order: $QAFLOW_COMPONENTS first, then the
# other files of infra/components/ in a known order, then any remaining ones alphabetically.
qf_component_names() {
  local -a order=() known
  local f n seen=" "
  known=($QAFLOW_COMPONENTS models llm scorer llm-worker retry flink)
  for n in "${known[@]}"; do
    [[ "$seen" == *" $n "* ]] && continue
    [[ -f "$QAFLOW_ROOT/infra/components/$n.sh" ]] || continue
    order+=("$n"); seen+="$n "
  done
  for f in "$QAFLOW_ROOT"/infra/components/*.sh; do
    n="$(basename "$f" .sh)"
    [[ "$seen" == *" $n "* ]] && continue
    order+=("$n"); seen+="$n "
  done
  printf '%s\n' "${order[@]}"
}

# qf_load_components: source every component file (each defines <name>_setup/_start/_stop/_status).
qf_load_components() {
  local f
  for f in "$QAFLOW_ROOT"/infra/components/*.sh; do
    # shellcheck source=/dev/null
    source "$f"
  done
}

qf_has_fn() { declare -F "$1" >/dev/null; }

# qf_call NAME ACTION: run <name>_<action> when the component defines it.
qf_call() {
  local fn="$1_$2"
  if qf_has_fn "$fn"; then "$fn"; else qf_warn "component $1 has no $fn"; fi
}

qf_select_components() {
  # Print the requested components (all when none given), failing on unknown names.
  local all n; all="$(qf_component_names)"
  if (($# == 0)); then printf '%s\n' "$all"; return; fi
  for n in "$@"; do
    grep -qxF -- "$n" <<<"$all" || qf_die "unknown component '$n' (have: $(tr '\n' ' ' <<<"$all"))"
    printf '%s\n' "$n"
  done
}

cmd_up() {
  local -a names
  mapfile -t names < <(qf_select_components "$@")
  qf_dirs
  qf_topology_record
  qf_has_fn llm_switch && llm_switch
  local n
  for n in "${names[@]}"; do
    qf_call "$n" start
  done
  cmd_status "${names[@]}"
}

cmd_down() {
  local -a names
  mapfile -t names < <(qf_select_components "$@")
  local i
  for ((i = ${#names[@]} - 1; i >= 0; i--)); do
    qf_call "${names[i]}" stop
  done
  (($# > 0)) || qf_topology_forget
}

cmd_status() {
  local -a names
  mapfile -t names < <(qf_select_components "$@")
  local n state port pid rest
  printf '%-12s %-5s %-6s %-8s %s\n' COMPONENT STATE PORT PID DETAIL
  for n in "${names[@]}"; do
    if qf_has_fn "${n}_status"; then
      # A component prints `up|down port pid [detail...]`, one line per process (replicas).
      while read -r state port pid rest; do
        printf '%-12s %-5s %-6s %-8s %s\n' "$n" "$state" "${port:--}" "${pid:--}" "${rest:-}"
      done < <("${n}_status" 2>/dev/null || echo "down - -")
    fi
  done
}

cmd_logs() {
  if (($# == 0)); then
    ls -1 "$QAFLOW_VAR/log" 2>/dev/null || true
    echo "usage: ./qaflow logs COMPONENT [-f]" >&2
    return 0
  fi
  local log; log="$(qf_logfile "$1")"
  [[ -f "$log" ]] || qf_die "no log for $1 ($log)"
  if [[ "${2:-}" == -f ]]; then tail -n 50 -F "$log"; else tail -n "${QAFLOW_LOG_LINES:-100}" "$log"; fi
}

cmd_psql() {
  qf_has_fn postgres_psql || qf_die "postgres component missing"
  postgres_ready || qf_die "PostgreSQL is not running on port $QAFLOW_PG_PORT: ./qaflow up"
  postgres_psql "$@"
}
