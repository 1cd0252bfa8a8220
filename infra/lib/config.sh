# infra/lib/config.sh: the launcher's settings (all from environment variables) and their defaults.

# qf_config_defaults: fill every QAFLOW_* setting that the environment did not set.
qf_config_defaults() {
  : "${QAFLOW_VAR:=$QAFLOW_ROOT/var}"
  qf_settings_file
  qf_topology_defaults
  : "${QAFLOW_BUILD_DIR:=$QAFLOW_ROOT/build}"
  [[ "$QAFLOW_BUILD_DIR" = /* ]] || QAFLOW_BUILD_DIR="$QAFLOW_ROOT/$QAFLOW_BUILD_DIR"
  : "${QAFLOW_BIN_DIR:=$QAFLOW_BUILD_DIR/bin}"
  : "${QAFLOW_CACHE:=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/qaflow}"
  : "${QAFLOW_MODEL_DIR:=$QAFLOW_ROOT/var/models/all-MiniLM-L6-v2}"
  : "${QAFLOW_JOBS:=2}"
  # Ports of the normal stack (./qaflow up).
  : "${QAFLOW_PG_PORT:=5432}"
  : "${QAFLOW_REDIS_PORT:=6379}"
  : "${QAFLOW_KAFKA_PORT:=9092}"
  : "${QAFLOW_KAFKA_CONTROLLER_PORT:=9093}"
  : "${QAFLOW_STORAGE_PORT:=5001}"
  # Service settings.
  : "${QAFLOW_PG_USER:=qaflow}"
  : "${QAFLOW_PG_PASSWORD:=qaflow}"
  : "${QAFLOW_PG_DB:=qaflow}"
  : "${QAFLOW_PG_BIN:=/usr/lib/postgresql/15/bin}"
  : "${QAFLOW_PG_OS_USER:=qaflow}"
  : "${QAFLOW_REDIS_MAXMEMORY:=256mb}"
  : "${QAFLOW_REDIS_POLICY:=allkeys-lru}"
  : "${QAFLOW_KAFKA_HEAP:=512m}"
  : "${QAFLOW_START_TIMEOUT:=120}"
  # Components started by `up`, in order; the rest found in infra/components/ follow.
  : "${QAFLOW_COMPONENTS:=postgres redis kafka storage}"
  export QAFLOW_ROOT QAFLOW_VAR QAFLOW_BUILD_DIR QAFLOW_BIN_DIR QAFLOW_CACHE QAFLOW_MODEL_DIR QAFLOW_JOBS \
    QAFLOW_PG_PORT QAFLOW_REDIS_PORT QAFLOW_KAFKA_PORT QAFLOW_KAFKA_CONTROLLER_PORT QAFLOW_STORAGE_PORT \
    QAFLOW_PG_USER QAFLOW_PG_PASSWORD QAFLOW_PG_DB QAFLOW_PG_BIN QAFLOW_PG_OS_USER \
    QAFLOW_REDIS_MAXMEMORY QAFLOW_REDIS_POLICY QAFLOW_KAFKA_HEAP QAFLOW_START_TIMEOUT QAFLOW_COMPONENTS
}

# qf_settings_file: settings saved in $QAFLOW_VAR/settings.env ("export NAME=VALUE" lines, written by
# ./qaflow experiment threshold --apply); a variable already in the environment wins over the file.
qf_settings_file() {
  local f="$QAFLOW_VAR/settings.env" line name
  [[ -f "$f" ]] || return 0
  while IFS= read -r line; do
    [[ "$line" =~ ^export\ ([A-Z_][A-Z0-9_]*)=(.*)$ ]] || continue
    name="${BASH_REMATCH[1]}"
    [[ -n "${!name+x}" ]] || eval "$line"
  done <"$f"
}

# The topology: how many of each part run (./qaflow up --scale, docs/scaling.md). The values of the
# running stack are kept in $QAFLOW_VAR/run/topology.env (written by up, removed by a full down), so
# every later command sees the stack as it was started; a variable in the environment wins.
QF_TOPOLOGY_VARS=(QAFLOW_KAFKA_BROKERS QAFLOW_FLINK_TASKMANAGERS QAFLOW_FLINK_PARALLELISM QAFLOW_STORAGE_REPLICAS
  QAFLOW_SCORERS QAFLOW_LLM_WORKERS)
qf_topology_defaults() {
  local v line
  QF_TOPOLOGY_FROM_ENV=" "
  for v in "${QF_TOPOLOGY_VARS[@]}"; do [[ -n "${!v:-}" ]] && QF_TOPOLOGY_FROM_ENV+="$v "; done
  if [[ -f "$QAFLOW_VAR/run/topology.env" ]]; then
    while IFS= read -r line; do
      [[ "$line" =~ ^export\ (QAFLOW_[A-Z_]+)=([0-9]+)$ ]] || continue
      [[ " ${QF_TOPOLOGY_VARS[*]} " == *" ${BASH_REMATCH[1]} "* && -z "${!BASH_REMATCH[1]:-}" ]] \
        && printf -v "${BASH_REMATCH[1]}" '%s' "${BASH_REMATCH[2]}"
    done <"$QAFLOW_VAR/run/topology.env"
  fi
  : "${QAFLOW_KAFKA_BROKERS:=1}" "${QAFLOW_FLINK_TASKMANAGERS:=1}" "${QAFLOW_FLINK_PARALLELISM:=1}"
  : "${QAFLOW_STORAGE_REPLICAS:=1}" "${QAFLOW_SCORERS:=1}" "${QAFLOW_LLM_WORKERS:=2}"
  for v in "${QF_TOPOLOGY_VARS[@]}"; do
    [[ "${!v}" =~ ^[1-9][0-9]?$ ]] || qf_die "$v must be a number from 1 to 99 (is '${!v}')"
  done
  export "${QF_TOPOLOGY_VARS[@]}"
}

# Addresses derived from the ports, for clients and services.
# Kafka node i (1..QAFLOW_KAFKA_BROKERS) listens on QAFLOW_KAFKA_PORT + 2(i-1), its controller on
# QAFLOW_KAFKA_CONTROLLER_PORT + 2(i-1); every client gets the whole list.
qf_kafka_node_port() { printf '%s' $((QAFLOW_KAFKA_PORT + 2 * ($1 - 1))); }
qf_kafka_controller_port() { printf '%s' $((QAFLOW_KAFKA_CONTROLLER_PORT + 2 * ($1 - 1))); }
qf_kafka_bootstrap() {
  local i sep=""
  for ((i = 1; i <= ${QAFLOW_KAFKA_BROKERS:-1}; i++)); do
    printf '%s127.0.0.1:%s' "$sep" "$(qf_kafka_node_port "$i")"; sep=,
  done
}
qf_pg_dsn() {
  printf 'postgresql://%s:%s@127.0.0.1:%s/%s' "$QAFLOW_PG_USER" "$QAFLOW_PG_PASSWORD" "$QAFLOW_PG_PORT" "$QAFLOW_PG_DB"
}
qf_redis_addr() { printf '127.0.0.1:%s' "$QAFLOW_REDIS_PORT"; }
