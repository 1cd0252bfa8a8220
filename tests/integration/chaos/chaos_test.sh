#!/usr/bin/env bash
# chaos_test.sh: ./qaflow chaos --minutes 3 on a whole stack of its own (its own PostgreSQL, Redis, Kafka, Flink,
# LLM stub, scorer, storage, workers and retry consumers on QAFLOW_TEST_PORT_BASE + 600..615, state under
# $QAFLOW_TEST_VAR/chaos-stack), stopped at the end. Checks: exit 0, and in its summary: every question that
# got a 202 ended completed or failed exactly once (none lost, none pending, no duplicate final row), every
# fault of the plan ran and recovered, and the LLM faults did happen (overload and quota errors retried).
# The seed is fixed (QAFLOW_CHAOS_SEED, default 42), so a failure replays with the same plan.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
for v in QAFLOW_TEST_PORT_BASE QAFLOW_BIN_DIR QAFLOW_MODEL_DIR QAFLOW_TEST_VAR; do
  [[ -n "${!v:-}" ]] || { echo "not ok - $v is not set: run under ./qaflow test or eval \"\$(./qaflow test-stack env)\""; exit 1; }
done
b="$QAFLOW_TEST_PORT_BASE"
export QAFLOW_VAR="$QAFLOW_TEST_VAR/chaos-stack"
export QAFLOW_PG_PORT=$((b + 600)) QAFLOW_REDIS_PORT=$((b + 601)) QAFLOW_KAFKA_PORT=$((b + 602))
export QAFLOW_KAFKA_CONTROLLER_PORT=$((b + 603)) QAFLOW_STORAGE_PORT=$((b + 604)) QAFLOW_SCORER_PORT=$((b + 605))
export QAFLOW_FLINK_PORT=$((b + 606)) QAFLOW_FLINK_RPC_PORT=$((b + 607)) QAFLOW_LLMSTUB_PORT=$((b + 608))
export QAFLOW_LLAMA_PORT=$((b + 609)) QAFLOW_LLM_WORKER_METRICS_PORT=$((b + 610)) QAFLOW_LLM_WORKERS=2
export QAFLOW_RETRY_OVERLOAD_PORT=$((b + 612)) QAFLOW_RETRY_QUOTA_PORT=$((b + 613))
export QAFLOW_CONSOLE_PORT=$((b + 614)) QAFLOW_PROMETHEUS_PORT=$((b + 615))
unset QAFLOW_SCOREJOB_THRESHOLD QAFLOW_LLM_TIMEOUT_S QAFLOW_STORAGE_STUCK_AFTER_S
SEED="${QAFLOW_CHAOS_SEED:-42}"
OUT="$QAFLOW_VAR/chaos-run"
rm -rf "$QAFLOW_VAR"; mkdir -p "$QAFLOW_VAR"
Q="$ROOT/qaflow"
cleanup() {
  local rc=$?
  ((rc == 0)) || echo "logs and the run's files stay in $QAFLOW_VAR (replay: QAFLOW_CHAOS_SEED=$SEED)"
  "$Q" down >/dev/null 2>&1 || true
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check_eq() { if [[ "$2" == "$3" ]]; then ok "$1"; else not_ok "$1: expected '$2', got '$3'"; fi; }
check() { local d="$1"; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
S() { jq -r "$1" "$OUT/summary.json"; }

start=$SECONDS
rc=0
"$Q" chaos --minutes 3 --rate 5 --llm stub --seed "$SEED" --drain-timeout 900 --out "$OUT" || rc=$?
echo "# ./qaflow chaos took $((SECONDS - start)) s"
check_eq "./qaflow chaos exits 0" 0 "$rc"
[[ -s "$OUT/summary.json" ]] || { not_ok "no summary.json"; exit 1; }
check "questions were accepted" test "$(S .accepted)" -gt 0
check_eq "no accepted question lost" 0 "$(S .lost)"
check_eq "none left pending" 0 "$(S .pending)"
check_eq "no question with two final rows" 0 "$(S .duplicate_final_rows)"
check_eq "no completed question without its result" 0 "$(S .completed_without_result)"
check_eq "no failed question with a result" 0 "$(S .failed_with_result)"
check_eq "completed + failed = accepted" "$(S .accepted)" "$(S '.completed + .failed')"
check_eq "the 202s are the accepted questions of qaflow-traffic" "$(jq -r .accepted "$OUT/traffic.json")" "$(S .accepted)"
check "LLM overload errors were injected and retried" test "$(S .llm_errors.overload)" -gt 0
check "LLM quota errors were injected and retried" test "$(S .llm_errors.quota)" -gt 0
want="storage llm-worker-1 llm-worker-2 retry-overload retry-quota scorer flink-taskmanager flink-jobmanager kafka postgres redis stall-postgres stall-scorer"
check_eq "every fault of the list ran once" "$(tr ' ' '\n' <<<"$want" | sort | tr '\n' ' ')" \
  "$(S '.faults[].fault' | sort | tr '\n' ' ')"
check_eq "every fault recovered" "" "$(S '.unrecovered | join(" ")')"
check_eq "every fault hit a running process" 0 "$(S '[.faults[] | select(.pid == "-")] | length')"
check_eq "the plan is the seed's" "$(python3 "$ROOT/infra/lib/chaos.py" plan --seed "$SEED" --seconds 180 $want | awk '{ print $2 }' | tr '\n' ' ')" \
  "$(S '.faults[].fault' | tr '\n' ' ')"
echo "$PASS passed, $FAIL failed"
((FAIL == 0 && PASS > 0))
