# infra/lib/config.sh: the launcher's settings (all from environment variables) and their defaults.

# qf_config_defaults: fill every QAFLOW_* setting that the environment did not set.
qf_config_defaults() {
  : "${QAFLOW_VAR:=$QAFLOW_ROOT/var}"
  qf_settings_file
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

# Addresses derived from the ports, for clients and services.
qf_kafka_bootstrap() { printf '127.0.0.1:%s' "$QAFLOW_KAFKA_PORT"; }
qf_pg_dsn() {
  printf 'postgresql://%s:%s@127.0.0.1:%s/%s' "$QAFLOW_PG_USER" "$QAFLOW_PG_PASSWORD" "$QAFLOW_PG_PORT" "$QAFLOW_PG_DB"
}
qf_redis_addr() { printf '127.0.0.1:%s' "$QAFLOW_REDIS_PORT"; }
