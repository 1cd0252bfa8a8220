# infra/lib/test.sh: ./qaflow test (setup, build, throwaway stack, ctest).

# The integration tests `./qaflow test --sanitize` runs besides the unit tests: bad input, poison messages,
# stalls and bounds, where memory errors would hide.
QAFLOW_SANITIZE_TESTS='^(hostile_http_.*|storage_0[1-9]_.*|common_consumer|llm_integration_(poison|malformed|oversized|success|backpressure)|retry_integration_(bounded|overload|backpressure)|scorer_.*)$'

# cmd_test [--sanitize] [CTEST_ARGS...]: exit status is ctest's. The throwaway stack is stopped on every path.
# --sanitize: the C tree with ASan + UBSan in $QAFLOW_BUILD_DIR-sanitize; without CTEST_ARGS, the unit
# tests (but the Java ones) and the integration subset QAFLOW_SANITIZE_TESTS.
cmd_test() {
  local self="$QAFLOW_ROOT/qaflow" rc=0 sanitize=0
  if [[ "${1:-}" == --sanitize ]]; then
    sanitize=1; shift
    export QAFLOW_BUILD_DIR="$QAFLOW_BUILD_DIR-sanitize" QAFLOW_CMAKE_ARGS="-DQAFLOW_SANITIZE=ON"
    export QAFLOW_BIN_DIR="$QAFLOW_BUILD_DIR/bin"
    export ASAN_OPTIONS="abort_on_error=1:detect_leaks=0" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  fi
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
  if ((sanitize && $# == 0)); then
    ctest --test-dir "$QAFLOW_BUILD_DIR" --output-on-failure --timeout "${QAFLOW_TEST_TIMEOUT:-900}" \
      -L unit -E '^flink_unit$' || rc=$?
    ctest --test-dir "$QAFLOW_BUILD_DIR" --output-on-failure --timeout "${QAFLOW_TEST_TIMEOUT:-900}" \
      -R "$QAFLOW_SANITIZE_TESTS" || rc=$?
  else
    # The docker-compose test (label compose: images, a Docker engine) runs when asked for (-L compose)
    # or with QAFLOW_TEST_COMPOSE=1; a plain ./qaflow test leaves it out.
    local -a only=()
    (($# == 0)) && [[ "${QAFLOW_TEST_COMPOSE:-0}" != 1 ]] && only=(-LE '^compose$')
    ctest --test-dir "$QAFLOW_BUILD_DIR" --output-on-failure --timeout "${QAFLOW_TEST_TIMEOUT:-900}" "${only[@]}" "$@" || rc=$?
  fi
  ((rc == 0)) || qf_warn "ctest failed (exit $rc); the stack's logs stay in $QAFLOW_TEST_VAR/log"
  return "$rc"
}
