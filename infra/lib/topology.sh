# infra/lib/topology.sh: ./qaflow up --scale, and the record of the running stack's topology (run/topology.env).
# The settings themselves and their defaults are in config.sh (qf_topology_defaults); docs/scaling.md.

# qf_topology_scale: the scaled-out topology for every setting the environment did not give: 3 Kafka
# brokers, 2 TaskManagers, ScoreJob parallelism 2, 2 storage instances, 2 scorers (LLM workers as set).
qf_topology_scale() {
  local v
  local -A scaled=([QAFLOW_KAFKA_BROKERS]=3 [QAFLOW_FLINK_TASKMANAGERS]=2 [QAFLOW_FLINK_PARALLELISM]=2
    [QAFLOW_STORAGE_REPLICAS]=2 [QAFLOW_SCORERS]=2)
  for v in "${!scaled[@]}"; do
    [[ "$QF_TOPOLOGY_FROM_ENV" == *" $v "* ]] || printf -v "$v" '%s' "${scaled[$v]}"
  done
}

# qf_topology_line: the topology as "NAME=VALUE ..." (for messages and the record).
qf_topology_line() {
  local v out=""
  for v in "${QF_TOPOLOGY_VARS[@]}"; do out+="$v=${!v} "; done
  printf '%s' "${out% }"
}

# qf_topology_running: true when a Kafka node of the stack is still alive.
qf_topology_running() {
  local f
  for f in "$QAFLOW_VAR"/run/kafka.pid "$QAFLOW_VAR"/run/kafka-*.pid; do
    [[ -f "$f" ]] || continue
    f="${f##*/}"
    qf_pid "${f%.pid}" >/dev/null && return 0
  done
  return 1
}

# qf_topology_record: called by up. The number of Kafka brokers of a running cluster cannot change (its
# quorum and data directories are those it was formatted with: ./qaflow down first); any other change starts
# the replicas it adds (a smaller count leaves the extra ones running: status shows them, down stops them).
# The topology of this up is recorded for later commands.
qf_topology_record() {
  local f="$QAFLOW_VAR/run/topology.env" v want have="" brokers=""
  want="$(qf_topology_line)"
  if [[ -f "$f" ]]; then
    have="$(sed -n 's/^export //p' "$f" | tr '\n' ' ')"; have="${have% }"
    brokers="$(sed -n 's/^export QAFLOW_KAFKA_BROKERS=//p' "$f")"
    if [[ -n "$brokers" && "$brokers" != "$QAFLOW_KAFKA_BROKERS" ]] && qf_topology_running; then
      qf_die "the running stack has $brokers Kafka broker(s), asked: $QAFLOW_KAFKA_BROKERS. Run ./qaflow down first"
    fi
  fi
  qf_dirs
  for v in "${QF_TOPOLOGY_VARS[@]}"; do printf 'export %s=%s\n' "$v" "${!v}"; done >"$f.tmp"
  mv "$f.tmp" "$f"
  [[ "$want" == "$have" ]] || qf_info "topology: $want"
}

# qf_topology_forget: called by a full down (every component stopped).
qf_topology_forget() { rm -f "$QAFLOW_VAR/run/topology.env"; }
