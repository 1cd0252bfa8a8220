# infra/components/postgres.sh: PostgreSQL 15 cluster under $QAFLOW_VAR, run as a non-root user, with qaflow's migrations.

# Where the cluster lives: under $QAFLOW_VAR when the postgres OS user can reach it, else under /tmp
# (recorded in $QAFLOW_VAR/data/postgres.home so later commands find it).
postgres_home() {
  local marker="$QAFLOW_VAR/data/postgres.home"
  if [[ -s "$marker" ]]; then cat "$marker"; return; fi
  local home="$QAFLOW_VAR/data/postgres"
  mkdir -p "$home"
  if ! postgres_home_usable "$home"; then
    home="/tmp/qaflow-pg-$(printf '%s' "$QAFLOW_VAR" | sha1sum | cut -c1-12)"
    qf_warn "$QAFLOW_VAR/data/postgres is unusable for the cluster (path too long or not reachable by user $QAFLOW_PG_OS_USER); PostgreSQL data goes to $home"
  fi
  mkdir -p "$home"
  printf '%s\n' "$home" >"$marker"
  printf '%s\n' "$home"
}

# postgres_home_usable DIR: the socket path (DIR/sock/.s.PGSQL.NNNNN) fits the 107 bytes of
# sun_path, and the cluster's OS user can reach DIR.
postgres_home_usable() {
  ((${#1} <= 80)) || return 1
  [[ "$(id -u)" == 0 ]] || return 0
  setpriv --reuid="$QAFLOW_PG_OS_USER" --regid="$QAFLOW_PG_OS_USER" --init-groups -- test -x "$1" 2>/dev/null
}

# postgres_owner_cmd: the prefix that runs a command as the cluster's OS user (root cannot run PostgreSQL).
postgres_owner_cmd() {
  if [[ "$(id -u)" == 0 ]]; then
    printf '%s\n' setpriv "--reuid=$QAFLOW_PG_OS_USER" "--regid=$QAFLOW_PG_OS_USER" --init-groups --
  fi
}
postgres_as_owner() {
  local -a pre
  mapfile -t pre < <(postgres_owner_cmd)
  "${pre[@]}" "$@"
}

postgres_setup() {
  if [[ "$(id -u)" == 0 ]] && ! id "$QAFLOW_PG_OS_USER" >/dev/null 2>&1; then
    qf_info "creating system user $QAFLOW_PG_OS_USER (PostgreSQL refuses to run as root)"
    if getent group "$QAFLOW_PG_OS_USER" >/dev/null; then
      useradd -r -M -g "$QAFLOW_PG_OS_USER" -s /usr/sbin/nologin "$QAFLOW_PG_OS_USER"
    else
      useradd -r -M -U -s /usr/sbin/nologin "$QAFLOW_PG_OS_USER"
    fi
  fi
  [[ -x "$QAFLOW_PG_BIN/postgres" ]] || qf_die "PostgreSQL 15 not found in $QAFLOW_PG_BIN: run ./qaflow setup"
}

postgres_ready() { "$QAFLOW_PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$QAFLOW_PG_PORT" -t 2; }

# postgres_superuser_psql ARGS...: psql as the cluster superuser over the Unix socket.
postgres_superuser_psql() {
  local home; home="$(postgres_home)"
  psql -X -q -v ON_ERROR_STOP=1 -h "$home/sock" -p "$QAFLOW_PG_PORT" -U postgres -d postgres "$@"
}

# postgres_psql ARGS...: psql as qaflow's role on qaflow's database (TCP, password auth).
postgres_psql() {
  PGPASSWORD="$QAFLOW_PG_PASSWORD" psql -X -h 127.0.0.1 -p "$QAFLOW_PG_PORT" -U "$QAFLOW_PG_USER" -d "$QAFLOW_PG_DB" "$@"
}

postgres_init() {
  local home="$1" pw
  [[ -s "$home/data/PG_VERSION" ]] && return 0
  qf_info "initialising PostgreSQL cluster in $home/data"
  rm -rf "$home/data"
  mkdir -p "$home/data" "$home/sock"
  pw="$home/pwfile"
  printf '%s\n' "$QAFLOW_PG_PASSWORD" >"$pw"
  [[ "$(id -u)" == 0 ]] && chown -R "$QAFLOW_PG_OS_USER:$QAFLOW_PG_OS_USER" "$home"
  chmod 700 "$home/data"
  postgres_as_owner "$QAFLOW_PG_BIN/initdb" -D "$home/data" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 --pwfile="$pw" >>"$(qf_logfile postgres)" 2>&1 \
    || { qf_die "initdb failed"; }
  rm -f "$pw"
}

postgres_start() {
  postgres_setup
  qf_dirs
  local home; home="$(postgres_home)"
  if ! qf_pid postgres >/dev/null; then
    postgres_init "$home"
    mkdir -p "$home/sock"
    [[ "$(id -u)" == 0 ]] && chown "$QAFLOW_PG_OS_USER:$QAFLOW_PG_OS_USER" "$home/sock"
    if qf_port_open "$QAFLOW_PG_PORT"; then
      qf_die "port $QAFLOW_PG_PORT is already taken by another process (set QAFLOW_PG_PORT)"
    fi
    qf_info "starting PostgreSQL on 127.0.0.1:$QAFLOW_PG_PORT"
    local -a pre
    mapfile -t pre < <(postgres_owner_cmd)
    qf_spawn postgres "${pre[@]}" "$QAFLOW_PG_BIN/postgres" -D "$home/data" \
      -c listen_addresses=127.0.0.1 -c port="$QAFLOW_PG_PORT" -c unix_socket_directories="$home/sock" \
      -c max_connections=200 -c shared_buffers=128MB -c log_line_prefix='%m [%p] %q' \
      -c log_min_messages=warning -c log_min_error_statement=error
  fi
  if ! qf_wait_service postgres "PostgreSQL on port $QAFLOW_PG_PORT" "$QAFLOW_START_TIMEOUT" postgres_ready; then
    qf_die "PostgreSQL did not start"
  fi
  postgres_bootstrap
  postgres_migrate
}

# postgres_bootstrap: create qaflow's role and database when missing.
postgres_bootstrap() {
  local exists
  exists="$(postgres_superuser_psql -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$QAFLOW_PG_USER'")"
  if [[ "$exists" != 1 ]]; then
    qf_info "creating role $QAFLOW_PG_USER"
    # psql interpolates :"u" and :'p' (quoted safely) only in input read from stdin or a file.
    postgres_superuser_psql -v u="$QAFLOW_PG_USER" -v p="$QAFLOW_PG_PASSWORD" >/dev/null \
      <<<"CREATE ROLE :\"u\" LOGIN CREATEDB PASSWORD :'p';"
  fi
  exists="$(postgres_superuser_psql -tAc "SELECT 1 FROM pg_database WHERE datname = '$QAFLOW_PG_DB'")"
  if [[ "$exists" != 1 ]]; then
    qf_info "creating database $QAFLOW_PG_DB"
    postgres_superuser_psql -c "CREATE DATABASE \"$QAFLOW_PG_DB\" OWNER \"$QAFLOW_PG_USER\"" >/dev/null
  fi
}

# postgres_migrate: apply sql/NNN_*.sql (or $QAFLOW_SQL_DIR) in order, each once, in one transaction
# with its record in schema_migrations; a failing migration leaves nothing behind and stops here.
postgres_migrate() {
  local f version sum applied n=0
  postgres_psql -q -v ON_ERROR_STOP=1 -c "CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())" \
    >/dev/null 2>&1 || postgres_psql -q -v ON_ERROR_STOP=1 -c "SELECT 1 FROM schema_migrations LIMIT 0" >/dev/null
  shopt -s nullglob
  for f in "${QAFLOW_SQL_DIR:-$QAFLOW_ROOT/sql}"/*.sql; do
    version="$(basename "$f")"
    sum="$(sha256sum "$f" | cut -d' ' -f1)"
    applied="$(postgres_psql -tAc "SELECT checksum FROM schema_migrations WHERE version = '$version'")"
    if [[ -n "$applied" ]]; then
      [[ "$applied" == "$sum" ]] || qf_warn "migration $version changed after it was applied (add a new migration instead)"
      continue
    fi
    qf_info "applying migration $version"
    postgres_psql -q -v ON_ERROR_STOP=1 --single-transaction -f "$f" \
      -c "INSERT INTO schema_migrations (version, checksum) VALUES ('$version', '$sum')" >/dev/null \
      || qf_die "migration $version failed (nothing of it was applied)"
    n=$((n + 1))
  done
  shopt -u nullglob
  ((n == 0)) || qf_info "$n migration(s) applied"
}

postgres_stop() {
  local pid
  if pid="$(qf_pid postgres)"; then
    qf_info "stopping PostgreSQL (pid $pid, fast shutdown)"
    kill -INT "$pid" 2>/dev/null || true
    qf_stop_pid postgres "$pid" 60
  fi
  rm -f "$(qf_pidfile postgres)" "$(qf_pidfile postgres).start"
}

postgres_status() { qf_status_line postgres "$QAFLOW_PG_PORT"; }
