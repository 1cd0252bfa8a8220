# tests/integration/storage/lib.sh -- helpers for qaflow-storage's integration tests (sourced).
# Needs the real test stack (eval "$(./qaflow test-stack env)") and STORAGE_BIN (set by CMake).
# Ports: QAFLOW_TEST_PORT_BASE + 100..149 belong to these tests.
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "--- $*" >&2; }

require_env() {
  local v
  for v in QAFLOW_TEST_KAFKA QAFLOW_TEST_PG_DSN QAFLOW_TEST_REDIS QAFLOW_TEST_PORT_BASE STORAGE_BIN; do
    [[ -n "${!v:-}" ]] || fail "$v is not set: run under ./qaflow test (or eval \"\$(./qaflow test-stack env)\")"
  done
  [[ -x "$STORAGE_BIN" ]] || fail "qaflow-storage binary not found at $STORAGE_BIN"
  local t
  for t in curl jq kcat psql redis-cli; do command -v "$t" >/dev/null || fail "$t is required"; done
}

TMPDIR_T="$(mktemp -d /tmp/qaflow-storage-test.XXXXXX)"
STORAGE_PIDS=()
cleanup() {
  local p
  for p in "${STORAGE_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${STORAGE_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$TMPDIR_T"
}
trap cleanup EXIT

# A text no other test (or earlier run) has used.
unique() { printf '%s %s-%s-%s' "$1" "$(date +%s%N)" "$$" "$RANDOM"; }

psql_q() { psql "$QAFLOW_TEST_PG_DSN" -X -q -t -A -v ON_ERROR_STOP=1 -c "$1"; }
redis_q() { redis-cli -h "${QAFLOW_TEST_REDIS%:*}" -p "${QAFLOW_TEST_REDIS##*:}" "$@"; }

# start_storage NAME PORT [extra flags...]: starts qaflow-storage, waits until it serves /health, sets
# STORAGE_URL and STORAGE_PID. Its log is $TMPDIR_T/NAME.log.
start_storage() {
  local name="$1" port="$2"; shift 2
  "$STORAGE_BIN" --port "$port" --brokers "$QAFLOW_TEST_KAFKA" --pg-dsn "$QAFLOW_TEST_PG_DSN" \
    --redis "$QAFLOW_TEST_REDIS" --group "storage-test-$name-$$-$RANDOM" --log-level debug "$@" \
    >"$TMPDIR_T/$name.log" 2>&1 &
  STORAGE_PID=$!
  STORAGE_PIDS+=("$STORAGE_PID")
  STORAGE_URL="http://127.0.0.1:$port"
  # up = the server answers /health at all (503 is fine: a test may have frozen a dependency)
  local deadline=$((SECONDS + 60)) code
  while ((SECONDS < deadline)); do
    code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$STORAGE_URL/health" 2>/dev/null || true)
    [[ "$code" == 200 || "$code" == 503 ]] && return 0
    kill -0 "$STORAGE_PID" 2>/dev/null || { cat "$TMPDIR_T/$name.log" >&2; fail "qaflow-storage $name exited"; }
    sleep 0.2
  done
  cat "$TMPDIR_T/$name.log" >&2
  fail "qaflow-storage $name not answering after 60 s"
}

# http METHOD URL [BODY-FILE]: sets HTTP_CODE and BODY (in the calling shell: do not use $(...)).
http() {
  local method="$1" url="$2" body="${3:-}" out="$TMPDIR_T/resp.$$"
  if [[ -n "$body" ]]; then
    HTTP_CODE=$(curl -sS -m 30 -o "$out" -w '%{http_code}' -X "$method" -H 'Content-Type: application/json' \
      --data-binary "@$body" "$url")
  else
    HTTP_CODE=$(curl -sS -m 30 -o "$out" -w '%{http_code}' -X "$method" "$url")
  fi
  BODY="$(cat "$out")"
}

# post_query TEXT ANSWER: POST /query with a JSON body built by jq; sets HTTP_CODE and BODY.
post_query() {
  local f="$TMPDIR_T/body.json"
  jq -n --arg q "$1" --arg a "$2" '{question_text: $q, original_answer: $a}' >"$f"
  http POST "$STORAGE_URL/query" "$f"
}

expect_code() { [[ "$HTTP_CODE" == "$1" ]] || fail "${2:-request}: expected HTTP $1, got $HTTP_CODE"; }

# messages_for TOPIC KEY: every message on TOPIC keyed KEY (one JSON per line), read from the start.
messages_for() {
  kcat -b "$QAFLOW_TEST_KAFKA" -C -t "$1" -o beginning -e -q -f '%k\t%s\n' 2>/dev/null |
    awk -F'\t' -v k="$2" '$1 == k { sub(/^[^\t]*\t/, ""); print }'
}

# wait_messages TOPIC KEY N TIMEOUT_S: waits until at least N such messages exist; prints them.
wait_messages() {
  local deadline=$((SECONDS + $4)) out
  while :; do
    out="$(messages_for "$1" "$2")"
    if [[ -n "$out" ]] && (($(printf '%s\n' "$out" | wc -l) >= $3)); then printf '%s\n' "$out"; return 0; fi
    ((SECONDS < deadline)) || { printf '%s\n' "$out"; return 1; }
    sleep 1
  done
}

# produce TOPIC KEY JSON
produce() { printf '%s\t%s\n' "$2" "$3" | kcat -b "$QAFLOW_TEST_KAFKA" -P -X partitioner=murmur2_random -t "$1" -K $'\t'; }

# wait_status ID STATUS TIMEOUT_S: polls GET /status/ID until .status == STATUS; prints the body.
wait_status() {
  local deadline=$((SECONDS + $3)) body
  while :; do
    http GET "$STORAGE_URL/status/$1"
    if [[ "$(jq -r .status <<<"$BODY" 2>/dev/null)" == "$2" ]]; then printf '%s' "$BODY"; return 0; fi
    ((SECONDS < deadline)) || { printf '%s' "$BODY"; return 1; }
    sleep 0.5
  done
}

now_iso() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }

# private_database NAME: a migrated database of the test's own (for services that look at every row, e.g. the
# sweeper); from here on QAFLOW_TEST_PG_DSN names it, and it is dropped on exit (through the test stack's
# database: a database cannot be dropped from a connection to itself).
private_database() {
  local root f
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
  [[ "$QAFLOW_TEST_PG_DSN" =~ ^postgresql://([^:]+):([^@]+)@127\.0\.0\.1:([0-9]+)/(.+)$ ]] || fail "DSN $QAFLOW_TEST_PG_DSN"
  export QAFLOW_ROOT="$root" QAFLOW_PG_USER="${BASH_REMATCH[1]}" QAFLOW_PG_PASSWORD="${BASH_REMATCH[2]}"
  export QAFLOW_PG_PORT="${BASH_REMATCH[3]}" QAFLOW_PG_DB="qaflow_$1_$$"
  # shellcheck source=/dev/null
  for f in "$root"/infra/lib/*.sh "$root"/infra/components/postgres.sh; do source "$f"; done
  PRIVATE_DB_ADMIN_DSN="$QAFLOW_TEST_PG_DSN"
  psql "$PRIVATE_DB_ADMIN_DSN" -Xq -c "CREATE DATABASE $QAFLOW_PG_DB" >/dev/null || fail "cannot create $QAFLOW_PG_DB"
  trap 'cleanup; psql "$PRIVATE_DB_ADMIN_DSN" -Xq -c "DROP DATABASE IF EXISTS $QAFLOW_PG_DB WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
  postgres_migrate >/dev/null || fail "migrations failed"
  QAFLOW_TEST_PG_DSN="postgresql://$QAFLOW_PG_USER:$QAFLOW_PG_PASSWORD@127.0.0.1:$QAFLOW_PG_PORT/$QAFLOW_PG_DB"
}
