# infra/lib/test.sh: ./qaflow test (setup, build, throwaway stack, ctest).

# cmd_test [CTEST_ARGS...]: exit status is ctest's. The throwaway stack is stopped on every path.
cmd_test() {
  local self="$QAFLOW_ROOT/qaflow" rc=0
  export QAFLOW_SETUP_MODE=test
  QAFLOW_SETUP_SKIP="llm ${QAFLOW_SETUP_SKIP:-}" cmd_setup --no-build
  cmd_build
  qf_need ctest
  # A stale stack of an earlier run (crashed or interrupted) is removed first: each run starts clean.
  "$self" test-stack down --wipe >/dev/null 2>&1 || true
  trap '"$QAFLOW_ROOT/qaflow" test-stack down || true' EXIT
  trap 'exit 130' INT TERM
  "$self" test-stack up || qf_die "the test stack did not start"
  eval "$("$self" test-stack env)"
  qf_info "running ctest in $QAFLOW_BUILD_DIR (stack: Kafka $QAFLOW_TEST_KAFKA, PG $QAFLOW_TEST_PG_DSN, Redis $QAFLOW_TEST_REDIS)"
  ctest --test-dir "$QAFLOW_BUILD_DIR" --output-on-failure --timeout "${QAFLOW_TEST_TIMEOUT:-900}" "$@" || rc=$?
  ((rc == 0)) || qf_warn "ctest failed (exit $rc); the stack's logs stay in $QAFLOW_TEST_VAR/log"
  return "$rc"
}
