# infra/lib/teststack.sh: ./qaflow test-stack up|down|env -- a throwaway PostgreSQL+Redis+Kafka for tests.

QF_TEST_COMPONENTS=(postgres redis kafka)

# qf_test_stack_config: point every setting at var/test-$QAFLOW_TEST_PORT_BASE and the derived ports.
qf_test_stack_config() {
  : "${QAFLOW_TEST_PORT_BASE:=25000}"
  [[ "$QAFLOW_TEST_PORT_BASE" =~ ^[0-9]+$ ]] && ((QAFLOW_TEST_PORT_BASE >= 1024 && QAFLOW_TEST_PORT_BASE <= 64000)) \
    || qf_die "QAFLOW_TEST_PORT_BASE must be a number between 1024 and 64000"
  QAFLOW_VAR="$QAFLOW_ROOT/var/test-$QAFLOW_TEST_PORT_BASE"
  QAFLOW_PG_PORT=$((QAFLOW_TEST_PORT_BASE + 432))
  QAFLOW_REDIS_PORT=$((QAFLOW_TEST_PORT_BASE + 379))
  QAFLOW_KAFKA_PORT=$((QAFLOW_TEST_PORT_BASE + 92))
  QAFLOW_KAFKA_CONTROLLER_PORT=$((QAFLOW_TEST_PORT_BASE + 93))
  # the tests run against the default topology (one broker ...), whatever the environment says
  QAFLOW_KAFKA_BROKERS=1 QAFLOW_FLINK_TASKMANAGERS=1 QAFLOW_FLINK_PARALLELISM=1 QAFLOW_STORAGE_REPLICAS=1 QAFLOW_SCORERS=1
  export QAFLOW_KAFKA_BROKERS QAFLOW_FLINK_TASKMANAGERS QAFLOW_FLINK_PARALLELISM QAFLOW_STORAGE_REPLICAS QAFLOW_SCORERS
  export QAFLOW_TEST_PORT_BASE QAFLOW_VAR QAFLOW_PG_PORT QAFLOW_REDIS_PORT QAFLOW_KAFKA_PORT QAFLOW_KAFKA_CONTROLLER_PORT
}

qf_test_stack_env() {
  printf 'export QAFLOW_TEST_PORT_BASE=%q\n' "$QAFLOW_TEST_PORT_BASE"
  printf 'export QAFLOW_TEST_KAFKA=%q\n' "$(qf_kafka_bootstrap)"
  printf 'export QAFLOW_TEST_PG_DSN=%q\n' "$(qf_pg_dsn)"
  printf 'export QAFLOW_TEST_REDIS=%q\n' "$(qf_redis_addr)"
  printf 'export QAFLOW_BIN_DIR=%q\n' "$QAFLOW_BIN_DIR"
  printf 'export QAFLOW_MODEL_DIR=%q\n' "$QAFLOW_MODEL_DIR"
  printf 'export QAFLOW_TEST_VAR=%q\n' "$QAFLOW_VAR"
}

cmd_test_stack() {
  local action="${1:-}"
  qf_test_stack_config
  local n
  case "$action" in
    up)
      qf_info "test stack in $QAFLOW_VAR (port base $QAFLOW_TEST_PORT_BASE)"
      for n in "${QF_TEST_COMPONENTS[@]}"; do "${n}_start"; done
      for n in "${QF_TEST_COMPONENTS[@]}"; do printf '%-10s %s\n' "$n" "$("${n}_status")"; done
      ;;
    down)
      for ((n = ${#QF_TEST_COMPONENTS[@]} - 1; n >= 0; n--)); do "${QF_TEST_COMPONENTS[n]}_stop"; done
      if [[ "${2:-}" == --wipe ]]; then
        qf_info "removing $QAFLOW_VAR"
        local home; home="$(cat "$QAFLOW_VAR/data/postgres.home" 2>/dev/null || true)"
        [[ -n "$home" && "$home" == /tmp/qaflow-pg-* ]] && rm -rf "$home"
        rm -rf "$QAFLOW_VAR"
      fi
      ;;
    status)
      for n in "${QF_TEST_COMPONENTS[@]}"; do printf '%-10s %s\n' "$n" "$("${n}_status")"; done
      ;;
    env) qf_test_stack_env ;;
    *) qf_die "usage: ./qaflow test-stack up|down [--wipe]|status|env" ;;
  esac
}
