#!/usr/bin/env bash
# docker/entrypoint.sh: what qaflow's containers run -- PostgreSQL, migrations, Redis, Kafka, topics, Flink and the ScoreJob's submission -- with the launcher's own functions.
#
# Usage (the compose file's `command:`): entrypoint.sh MODE
#   postgres | migrate | redis | kafka | topics | flink-jobmanager | flink-taskmanager | flink-job | llama
#   qaflow-SERVICE [ARGS]   a qaflow service (qaflow-storage, -llm-worker, -retry, -scorer, -console, -llm-stub)
#   health MODE   the container's healthcheck for MODE
# Every setting is the launcher's environment variable (docs/compose.md); addresses are 127.0.0.1 with the
# ports of the settings, except QAFLOW_KAFKA_BOOTSTRAP and QAFLOW_FLINK_URL, which may name an existing cluster
# (QAFLOW_KAFKA_EXTERNAL=1, QAFLOW_FLINK_EXTERNAL=1: the kafka / flink-jobmanager services then only watch it).
# State lives under QAFLOW_VAR (/var/lib/qaflow, a volume); logs go to stdout.
set -euo pipefail

# An empty setting (the compose file passes every one, most of them empty) means its default.
for v in $(compgen -e); do
  [[ "$v" == QAFLOW_* && -z "${!v}" ]] && unset "$v"
done
unset v
export QAFLOW_ROOT="${QAFLOW_ROOT:-/opt/qaflow}" QAFLOW_VAR="${QAFLOW_VAR:-/var/lib/qaflow}"
export QAFLOW_CACHE="${QAFLOW_CACHE:-$QAFLOW_ROOT/cache}"
# shellcheck source=../infra/lib/common.sh
source "$QAFLOW_ROOT/infra/lib/common.sh"
# shellcheck source=../infra/lib/config.sh
source "$QAFLOW_ROOT/infra/lib/config.sh"
qf_config_defaults
: "${QAFLOW_KAFKA_BOOTSTRAP:=127.0.0.1:$QAFLOW_KAFKA_PORT}"
: "${QAFLOW_FLINK_PORT:=8081}"
: "${QAFLOW_FLINK_URL:=http://127.0.0.1:$QAFLOW_FLINK_PORT}"
: "${QAFLOW_WAIT_TIMEOUT:=300}"
export QAFLOW_KAFKA_BOOTSTRAP QAFLOW_FLINK_PORT QAFLOW_FLINK_URL
READY=/run/qaflow.ready

# The launcher's address helpers, pointed at the settings (an existing Kafka or Flink may be elsewhere).
qf_kafka_bootstrap() { printf '%s' "$QAFLOW_KAFKA_BOOTSTRAP"; }
ep_source() {
  local c
  for c in "$@"; do
    # shellcheck source=/dev/null
    source "$QAFLOW_ROOT/infra/components/$c.sh"
  done
}

# ep_wait_stop PID SIGNAL: forward SIGTERM/SIGINT to PID as SIGNAL and wait for it; exit with its status.
ep_wait_stop() {
  local pid="$1" sig="$2" rc=0
  # shellcheck disable=SC2064
  trap "kill -$sig $pid 2>/dev/null || true" TERM INT
  wait "$pid" || rc=$?
  # a signal interrupts `wait`: wait again for the process itself
  while qf_alive "$pid"; do wait "$pid" || rc=$?; done
  exit "$rc"
}

# ep_idle: an external Kafka or Flink is used: stay up (the healthcheck watches it) until stopped.
ep_idle() {
  qf_info "$1"
  trap 'exit 0' TERM INT
  while :; do sleep 3600 & wait $!; done
}

ep_postgres() {
  ep_source postgres
  export QAFLOW_PG_OS_USER=postgres
  qf_dirs
  local home; home="$(postgres_home)"
  postgres_init "$home"
  mkdir -p "$home/sock"
  chown postgres:postgres "$home/sock"
  rm -f "$READY"
  local -a pre; mapfile -t pre < <(postgres_owner_cmd)
  qf_info "starting PostgreSQL on ${QAFLOW_PG_LISTEN:-127.0.0.1}:$QAFLOW_PG_PORT (data $home/data)"
  "${pre[@]}" "$QAFLOW_PG_BIN/postgres" -D "$home/data" -c listen_addresses="${QAFLOW_PG_LISTEN:-127.0.0.1}" \
    -c port="$QAFLOW_PG_PORT" -c unix_socket_directories="$home/sock" -c max_connections="${QAFLOW_PG_MAX_CONNECTIONS:-200}" \
    -c shared_buffers=128MB -c log_line_prefix='%m [%p] %q' -c log_min_messages=warning -c log_min_error_statement=error &
  local pid=$!
  qf_wait_for "PostgreSQL on port $QAFLOW_PG_PORT" "$QAFLOW_START_TIMEOUT" postgres_ready || { kill -INT "$pid"; exit 1; }
  postgres_bootstrap
  touch "$READY"
  qf_info "PostgreSQL ready: role and database $QAFLOW_PG_USER/$QAFLOW_PG_DB"
  ep_wait_stop "$pid" INT
}

ep_migrate() {
  ep_source postgres
  export QAFLOW_SQL_DIR="$QAFLOW_ROOT/sql"
  qf_wait_for "PostgreSQL on port $QAFLOW_PG_PORT" "$QAFLOW_WAIT_TIMEOUT" postgres_psql -tAc 'SELECT 1' \
    || qf_die "PostgreSQL did not answer"
  postgres_migrate
  qf_info "migrations up to date"
}

ep_redis() {
  ep_source redis
  redis_check_policy
  qf_info "starting Redis on 127.0.0.1:$QAFLOW_REDIS_PORT ($QAFLOW_REDIS_POLICY, $QAFLOW_REDIS_MAXMEMORY)"
  exec redis-server --bind "${QAFLOW_REDIS_BIND:-127.0.0.1}" --port "$QAFLOW_REDIS_PORT" --protected-mode yes \
    --daemonize no --dir /tmp --save "" --appendonly no --maxmemory "$QAFLOW_REDIS_MAXMEMORY" \
    --maxmemory-policy "$QAFLOW_REDIS_POLICY" --maxmemory-samples 10 --loglevel notice --logfile ""
}

ep_kafka() {
  [[ "${QAFLOW_KAFKA_EXTERNAL:-0}" == 1 ]] && ep_idle "using the existing Kafka at $QAFLOW_KAFKA_BOOTSTRAP"
  ep_source kafka
  local dir="$QAFLOW_VAR/data/kafka" libs; libs="$(kafka_libs)"
  mkdir -p "$dir"
  kafka_write_config "$dir"
  if [[ ! -f "$dir/logs/meta.properties" ]]; then
    local id; id="$(head -c16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
    qf_info "formatting Kafka storage (cluster id $id)"
    kafka_java kafka.tools.StorageTool format --cluster-id="$id" -c "$dir/server.properties" --standalone
  fi
  qf_info "starting Kafka $(kafka_version) (KRaft) on 127.0.0.1:$QAFLOW_KAFKA_PORT, controller $QAFLOW_KAFKA_CONTROLLER_PORT"
  exec java -Xms"$QAFLOW_KAFKA_HEAP" -Xmx"$QAFLOW_KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true -Dkafka.logs.dir=/tmp \
    -Dlog4j2.configurationFile="$QAFLOW_ROOT/infra/kafka/log4j2.properties" \
    -cp "$libs/*" kafka.Kafka "$dir/server.properties"
}

ep_kafka_ready() { kcat -L -b "$QAFLOW_KAFKA_BOOTSTRAP" -m 3 -t __qaflow_probe 2>/dev/null | grep -q broker; }

ep_topics() {
  local file="$QAFLOW_ROOT/infra/kafka/topics.txt"
  qf_wait_for "Kafka at $QAFLOW_KAFKA_BOOTSTRAP" "$QAFLOW_WAIT_TIMEOUT" \
    qaflow-kafka-topics --bootstrap "$QAFLOW_KAFKA_BOOTSTRAP" --file "$file" --timeout-ms 10000 \
    || qf_die "could not create the topics of $file on $QAFLOW_KAFKA_BOOTSTRAP"
  qaflow-kafka-topics --bootstrap "$QAFLOW_KAFKA_BOOTSTRAP" --file "$file"
}

# ep_flink PROCESS CLASS: the JobManager or a TaskManager in the foreground, configured by the launcher's
# flink_write_conf (the addresses are 127.0.0.1: every container shares the host's network).
ep_flink() {
  local what="$1" cls="$2"
  ep_source flink
  local d; d="$(flink_dir)"
  flink_write_conf "$d"
  local -a opts; read -r -a opts <<<"$(flink_java_opts)"
  local params jvm dyn
  params="$(flink_resource_params "$what")" || qf_die "Flink memory calculation failed"
  jvm="$(sed -n 1p <<<"$params")"; dyn="$(sed -n 2p <<<"$params")"
  qf_info "starting Flink $(flink_version) $cls"
  # shellcheck disable=SC2086
  exec java $jvm "${opts[@]}" -Dlog.file=/dev/stdout -Dlog4j.configurationFile="$d/conf/log4j.properties" \
    -cp "$(flink_libs)/*" "$cls" --configDir "$d/conf" $dyn
}

ep_jobmanager() {
  [[ "${QAFLOW_FLINK_EXTERNAL:-0}" == 1 ]] && ep_idle "using the existing Flink cluster at $QAFLOW_FLINK_URL"
  ep_flink JM org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
}

ep_taskmanager() {
  [[ "${QAFLOW_FLINK_EXTERNAL:-0}" == 1 ]] && ep_idle "the existing Flink cluster at $QAFLOW_FLINK_URL has its own TaskManagers"
  ep_flink TM org.apache.flink.runtime.taskexecutor.TaskManagerRunner
}

# ep_flink_job: submit the ScoreJob unless it runs already (resumed from the newest checkpoint of the shared
# volume), wait until every task runs, exit 0: a one-shot service.
ep_flink_job() {
  ep_source flink
  flink_url() { printf '%s' "$QAFLOW_FLINK_URL"; }
  export QAFLOW_START_TIMEOUT="$QAFLOW_WAIT_TIMEOUT"
  qf_wait_for "a Flink TaskManager at $QAFLOW_FLINK_URL" "$QAFLOW_WAIT_TIMEOUT" flink_tm_registered \
    || qf_die "no Flink TaskManager registered at $QAFLOW_FLINK_URL"
  local jid; jid="$(flink_job_id)"
  if [[ -n "$jid" ]]; then
    qf_info "ScoreJob already running (job $jid)"
    exit 0
  fi
  jid="$(flink_submit)"
  flink_wait_running "$jid" || qf_die "ScoreJob $jid did not reach RUNNING"
  qf_info "ScoreJob running: job $jid"
}

# ep_llama: llama-server with the model of infra/llama/versions.sh, on the launcher's command line
# (infra/llama/server-args.sh: threads, slots and context from the settings or the cores).
ep_llama() {
  # shellcheck source=../infra/llama/versions.sh
  source "$QAFLOW_ROOT/infra/llama/versions.sh"
  # shellcheck source=../infra/llama/server-args.sh
  source "$QAFLOW_ROOT/infra/llama/server-args.sh"
  local threads="${QAFLOW_LLAMA_THREADS:-$(llama_default_threads)}" slots
  slots="${QAFLOW_LLAMA_PARALLEL:-$(llama_default_parallel "$threads")}"
  llama_server_args "$QAFLOW_ROOT/models/$GEMMA_GGUF_NAME" "$GEMMA_MODEL_NAME" "${QAFLOW_LLAMA_PORT:-8090}" \
    "$threads" "$slots" "${QAFLOW_LLAMA_CTX:-}"
  qf_info "starting llama-server ($GEMMA_MODEL_NAME) on 127.0.0.1:${QAFLOW_LLAMA_PORT:-8090}: $threads threads, $slots slots"
  exec llama-server "${LLAMA_ARGS[@]}"
}

# ep_llm_env: the LLM settings of the workers and storage (QAFLOW_LLM_BACKEND, _URL, _MODEL, ...) for the
# LLM chosen by QAFLOW_LLM, else by the compose profile (llama, ollama or stub), unless QAFLOW_LLM_URL is
# given; written the launcher's way (llmc_publish), so the console lists the stub as the launcher does.
ep_llm_env() {
  ep_source llm llm-worker
  [[ -n "${QAFLOW_LLM_URL:-}" ]] && return 0
  local mode="${QAFLOW_LLM:-}" p
  if [[ -z "$mode" || "$mode" == auto ]]; then
    mode=llama
    for p in ${QAFLOW_COMPOSE_PROFILES//,/ }; do
      case "$p" in llama | ollama | stub) mode="$p"; break ;; esac
    done
  fi
  case "$mode" in
    llama)
      source "$QAFLOW_ROOT/infra/llama/server-args.sh"
      local threads="${QAFLOW_LLAMA_THREADS:-$(llama_default_threads)}"
      llmc_publish llama openai "http://127.0.0.1:$QAFLOW_LLAMA_PORT" "$(llmc_model_name)" \
        "${QAFLOW_LLAMA_PARALLEL:-$(llama_default_parallel "$threads")}" 2>/dev/null ;;
    ollama) llmc_publish ollama ollama "$(llmc_ollama_url)" "$QAFLOW_OLLAMA_MODEL" 2>/dev/null ;;
    stub) llmc_publish stub ollama "http://127.0.0.1:$QAFLOW_LLMSTUB_PORT" "$QAFLOW_OLLAMA_MODEL" 2>/dev/null ;;
    openai) llmc_publish openai openai "${QAFLOW_OPENAI_URL%/}" "${QAFLOW_OPENAI_MODEL:-default}" 2>/dev/null ;;
    *) qf_die "QAFLOW_LLM must be llama, ollama, stub or openai (got '$mode')" ;;
  esac
  local conc; conc="$(llmw_concurrency)"
  [[ -n "$conc" ]] && export QAFLOW_LLM_CONCURRENCY="$conc"
  return 0
}

# ep_run CMD...: a qaflow service: its addresses derived from the ports (the launcher's helpers) unless given,
# then CMD in this process. An LLM worker is replica QAFLOW_LLM_WORKER_REPLICA (1, 2, ...): metrics on
# QAFLOW_LLM_WORKER_METRICS_PORT + replica - 1 and client id qaflow-llm-worker-<replica>, as the launcher runs them.
ep_run() {
  export QAFLOW_VAR=/tmp/qaflow
  qf_config_defaults
  qf_dirs
  : "${QAFLOW_KAFKA_BOOTSTRAP:=$(qf_kafka_bootstrap)}"
  : "${QAFLOW_PG_DSN:=$(qf_pg_dsn)}"
  : "${QAFLOW_REDIS:=$(qf_redis_addr)}"
  : "${QAFLOW_SCORER_URL:=http://127.0.0.1:${QAFLOW_SCORER_PORT:-5002}}"
  export QAFLOW_KAFKA_BOOTSTRAP QAFLOW_PG_DSN QAFLOW_REDIS QAFLOW_SCORER_URL
  case "$1" in
    qaflow-storage) ep_llm_env ;;
    qaflow-llm-worker)
      ep_llm_env
      local n="${QAFLOW_LLM_WORKER_REPLICA:-1}"
      export QAFLOW_LLM_METRICS_PORT="${QAFLOW_LLM_METRICS_PORT:-$(llmw_port "$n")}"
      export QAFLOW_LLM_CLIENT_ID="${QAFLOW_LLM_CLIENT_ID:-qaflow-llm-worker-$n}" ;;
    qaflow-console)
      ep_llm_env
      source "$QAFLOW_ROOT/infra/lib/targets.sh"
      local name url path list=""
      while read -r name url path; do
        [[ "$name" == console ]] || list+="${list:+,}$name=$url"
      done < <(qf_service_targets)
      export QAFLOW_CONSOLE_SERVICES="${QAFLOW_CONSOLE_SERVICES:-$list}"
      export QAFLOW_CONSOLE_STORAGE_URL="${QAFLOW_CONSOLE_STORAGE_URL:-http://127.0.0.1:$QAFLOW_STORAGE_PORT}"
      export QAFLOW_CONSOLE_FLINK_URL="${QAFLOW_CONSOLE_FLINK_URL:-$QAFLOW_FLINK_URL}"
      export QAFLOW_CONSOLE_PROMETHEUS_URL="${QAFLOW_CONSOLE_PROMETHEUS_URL:-http://127.0.0.1:${QAFLOW_PROMETHEUS_PORT:-9090}}" ;;
  esac
  exec "$@"
}

ep_health() {
  case "$1" in
    postgres) ep_source postgres; [[ -f "$READY" ]] && postgres_ready ;;
    redis) [[ "$(redis-cli -h 127.0.0.1 -p "$QAFLOW_REDIS_PORT" ping 2>/dev/null)" == PONG ]] ;;
    kafka) ep_kafka_ready ;;
    flink-jobmanager) curl -fsS --max-time 3 -o /dev/null "$QAFLOW_FLINK_URL/overview" ;;
    flink-taskmanager)
      [[ "${QAFLOW_FLINK_EXTERNAL:-0}" == 1 ]] && exit 0
      curl -fsS --max-time 3 "$QAFLOW_FLINK_URL/overview" | jq -e '.taskmanagers >= 1' >/dev/null ;;
    llm-worker) ep_source llm-worker; llmw_healthy "${QAFLOW_LLM_WORKER_REPLICA:-1}" ;;
    *) qf_die "no healthcheck for '$1'" ;;
  esac
}

case "${1:-}" in
  postgres) ep_postgres ;;
  migrate) ep_migrate ;;
  redis) ep_redis ;;
  kafka) ep_kafka ;;
  topics) ep_topics ;;
  flink-jobmanager) ep_jobmanager ;;
  flink-taskmanager) ep_taskmanager ;;
  flink-job) ep_flink_job ;;
  llama) ep_llama ;;
  health) ep_health "${2:-}" ;;
  qaflow-*) ep_run "$@" ;;
  *) printf 'usage: %s postgres|migrate|redis|kafka|topics|flink-jobmanager|flink-taskmanager|flink-job|llama|qaflow-SERVICE [ARGS]|health MODE\n' "$0" >&2
     exit 2 ;;
esac
