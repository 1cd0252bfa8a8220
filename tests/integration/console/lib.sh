# tests/integration/console/lib.sh -- helpers of qaflow-console's integration and browser tests (sourced).
# Needs the real test stack (eval "$(./qaflow test-stack env)") and CONSOLE_BIN, STORAGE_BIN, LLM_WORKER_BIN,
# STUB_BIN (set by CMake). Ports: QAFLOW_TEST_PORT_BASE + 700..749 belong to these tests.
set -euo pipefail

ct_log() { printf '%s [%s] %s\n' "$(date -u +%H:%M:%S)" "$CT_NAME" "$*" >&2; }
ct_fail() {
  ct_log "FAIL: $*"
  local f
  for f in "$CT_DIR"/*.log; do [[ -e $f ]] && { echo "---- $f (tail)" >&2; tail -n 20 "$f" >&2; }; done
  exit 1
}

ct_init() {
  CT_NAME="$1"
  local v
  for v in QAFLOW_TEST_KAFKA QAFLOW_TEST_PG_DSN QAFLOW_TEST_REDIS QAFLOW_TEST_PORT_BASE CONSOLE_BIN STORAGE_BIN; do
    [[ -n "${!v:-}" ]] || { echo "$v is not set: run under ./qaflow test (or eval \"\$(./qaflow test-stack env)\")" >&2; exit 1; }
  done
  CT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
  CT_DIR="$(mktemp -d "/tmp/qaflow-console-$CT_NAME.XXXXXX")"
  CT_RUN="$$-$RANDOM"
  declare -gA CT_PID=()
  trap ct_cleanup EXIT
  trap 'exit 143' TERM INT
}

ct_cleanup() {
  local rc=$? n
  for n in "${!CT_PID[@]}"; do kill -TERM "${CT_PID[$n]}" 2>/dev/null || true; done
  for n in "${!CT_PID[@]}"; do
    for _ in $(seq 100); do kill -0 "${CT_PID[$n]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${CT_PID[$n]}" 2>/dev/null || true
  done
  if ((rc == 0)); then rm -rf "$CT_DIR"; else ct_log "logs kept in $CT_DIR"; fi
  exit "$rc"
}

# ct_wait_http URL NAME: until URL answers 200 (60 s), the process NAME alive.
ct_wait_http() {
  local deadline=$((SECONDS + 60))
  until curl -fs -m 2 -o /dev/null "$1"; do
    kill -0 "${CT_PID[$2]}" 2>/dev/null || ct_fail "$2 exited"
    ((SECONDS < deadline)) || ct_fail "$2 not answering on $1 after 60 s"
    sleep 0.2
  done
}

ct_start() { # NAME CMD... (log in $CT_DIR/NAME.log)
  local name="$1"; shift
  "$@" >>"$CT_DIR/$name.log" 2>&1 &
  CT_PID[$name]=$!
}

ct_stop() { # NAME: SIGTERM and wait
  kill -TERM "${CT_PID[$1]}" 2>/dev/null || true
  wait "${CT_PID[$1]}" 2>/dev/null || true
  unset "CT_PID[$1]"
}

# ct_stub: the LLM stub on a free port; sets STUB_URL.
ct_stub() {
  ct_start stub "$STUB_BIN" --port 0
  local port=""
  for _ in $(seq 100); do
    port=$(sed -n 's/.*listening .*port=\([0-9]*\).*/\1/p' "$CT_DIR/stub.log" | head -1)
    [[ -n $port ]] && break
    sleep 0.1
  done
  [[ -n $port ]] || ct_fail "LLM stub did not start"
  STUB_URL="http://127.0.0.1:$port"
}

# ct_storage PORT: qaflow-storage with relay and persistence consumer; sets STORAGE_URL.
ct_storage() {
  STORAGE_URL="http://127.0.0.1:$1"
  ct_start storage "$STORAGE_BIN" --port "$1" --kafka "$QAFLOW_TEST_KAFKA" --pg-dsn "$QAFLOW_TEST_PG_DSN" \
    --redis "$QAFLOW_TEST_REDIS" --group "console-test-storage-$CT_RUN"
  ct_wait_http "$STORAGE_URL/health" storage
}

# ct_console PORT [FLAGS...]: qaflow-console sampling every 500 ms; sets CONSOLE_URL.
ct_console() {
  local port="$1"; shift
  CONSOLE_URL="http://127.0.0.1:$port"
  ct_start console "$CONSOLE_BIN" --port "$port" --brokers "$QAFLOW_TEST_KAFKA" --pg-dsn "$QAFLOW_TEST_PG_DSN" \
    --storage-url "${STORAGE_URL:-http://127.0.0.1:1}" --flink-url "http://127.0.0.1:$((QAFLOW_TEST_PORT_BASE + 749))" \
    --interval-ms 500 --vendor "$CT_ROOT/src/console/node_modules" "$@"
  ct_wait_http "$CONSOLE_URL/health" console
}

# ct_get PATH: GET from the console; sets CODE and BODY.
ct_get() {
  local out="$CT_DIR/resp"
  CODE=$(curl -sS -m 30 -o "$out" -w '%{http_code}' "$CONSOLE_URL$1")
  BODY="$(cat "$out")"
}

# ct_ask TEXT ANSWER: POST /api/ask; prints the question_id.
ct_ask() {
  local body
  body="$(jq -cn --arg q "$1" --arg a "$2" '{question_text: $q, original_answer: $a}')"
  curl -fsS -m 30 -H 'Content-Type: application/json' -d "$body" "$CONSOLE_URL/api/ask" | jq -er .question_id
}

# ct_until DESC TIMEOUT_S CMD...: run CMD every 0.5 s until it succeeds.
ct_until() {
  local desc="$1" deadline=$((SECONDS + $2)); shift 2
  until "$@"; do
    ((SECONDS < deadline)) || ct_fail "timed out waiting for $desc"
    sleep 0.5
  done
}

psql_q() { psql "$QAFLOW_TEST_PG_DSN" -X -q -t -A -v ON_ERROR_STOP=1 -c "$1"; }

produce() { printf '%s\t%s\n' "$2" "$3" | kcat -b "$QAFLOW_TEST_KAFKA" -P -X partitioner=murmur2_random -t "$1" -K $'\t'; }
