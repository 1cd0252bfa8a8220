#!/usr/bin/env bash
# hostile_test.sh SERVICE -- the hostile HTTP corpus (hostile_http.py) against a real qaflow-storage (on the
# test stack) or qaflow-scorer: never a 5xx, never a hang past the idle timeout, /health 200 after every
# batch, the same process all along. Ports: QAFLOW_TEST_PORT_BASE + 140 (storage), + 340 (scorer).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE/../../.."   # the services' relative defaults (model, baseline) are relative to the source tree
SERVICE=${1:?usage: hostile_test.sh storage|scorer}
: "${QAFLOW_TEST_PORT_BASE:?run under ./qaflow test}" "${QAFLOW_BIN_DIR:?}"
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/qaflow-hostile-$SERVICE.XXXXXX")
PID=""
cleanup() { [[ -n $PID ]] && { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || true; }; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -n 30 "$T_DIR/$SERVICE.log" >&2 || true; exit 1; }

case $SERVICE in
  storage)
    : "${QAFLOW_TEST_KAFKA:?}" "${QAFLOW_TEST_PG_DSN:?}" "${QAFLOW_TEST_REDIS:?}"
    PORT=$((QAFLOW_TEST_PORT_BASE + 140))
    "$QAFLOW_BIN_DIR/qaflow-storage" --port "$PORT" --brokers "$QAFLOW_TEST_KAFKA" --pg-dsn "$QAFLOW_TEST_PG_DSN" \
      --redis "$QAFLOW_TEST_REDIS" --group "hostile-$$" >"$T_DIR/storage.log" 2>&1 &
    PID=$!; STALL=--stall ;;   # storage's idle timeout is 30 s: the never-completing requests are tried too
  scorer)
    PORT=$((QAFLOW_TEST_PORT_BASE + 340))
    "$QAFLOW_BIN_DIR/qaflow-scorer" --port "$PORT" --threads 1 >"$T_DIR/scorer.log" 2>&1 &
    PID=$!; STALL= ;;          # 60 s there: the same code path, tried on storage
  *) fail "unknown service $SERVICE" ;;
esac
for _ in $(seq 600); do
  curl -sf -m 2 -o /dev/null "http://127.0.0.1:$PORT/health" && break
  kill -0 "$PID" 2>/dev/null || fail "$SERVICE exited at startup"
  sleep 0.1
done
curl -sf -m 2 -o /dev/null "http://127.0.0.1:$PORT/health" || fail "$SERVICE did not become healthy"
python3 "$HERE/hostile_http.py" --port "$PORT" --kind "$SERVICE" --pid "$PID" --timeout 40 $STALL || fail "hostile corpus"
kill -0 "$PID" || fail "$SERVICE is gone"
grep -q "ERROR" "$T_DIR/$SERVICE.log" && echo "note: errors logged (expected for bad input): $(grep -c ERROR "$T_DIR/$SERVICE.log")"
rm -rf "$T_DIR"
echo "PASS"
