# tests/integration/experiments/lib.sh: helpers of the sync-mode and experiment tests (real scorer, LLM stub, storage).
# The scorer, the stub and the storage listen on ports the system picks (port 0, read back from their
# "listening" log line): a fixed port inside the ephemeral range can be held by someone's outgoing connection.

ex_die() { printf 'not ok - %s\n' "$*"; exit 1; }
PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check_eq() { if [[ "$2" == "$3" ]]; then ok "$1"; else not_ok "$1: expected '$2', got '$3'"; fi; }
check() { if eval "$2"; then ok "$1"; else not_ok "$1 ($2)"; fi; }
finish() { echo "$PASS passed, $FAIL failed"; ((FAIL == 0 && PASS > 0)); }

# ex_init CASE: environment checks, a private var dir, the launcher's process helpers.
ex_init() {
  local name="$1" v
  for v in QAFLOW_TEST_KAFKA QAFLOW_TEST_PG_DSN QAFLOW_TEST_REDIS QAFLOW_TEST_PORT_BASE QAFLOW_BIN_DIR QAFLOW_MODEL_DIR; do
    [[ -n "${!v:-}" ]] || ex_die "$v is not set: run under ./qaflow test or eval \"\$(./qaflow test-stack env)\""
  done
  : "${QAFLOW_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}"
  export QAFLOW_ROOT
  cd "$QAFLOW_ROOT" # the scorer's default baseline path is relative to the project
  export QAFLOW_VAR="$QAFLOW_ROOT/var/test-$QAFLOW_TEST_PORT_BASE/experiments-$name"
  rm -rf "$QAFLOW_VAR"; mkdir -p "$QAFLOW_VAR"
  EX_RUN="ex-$name-$$-$(date +%s)"
  # shellcheck source=/dev/null
  for f in "$QAFLOW_ROOT"/infra/lib/common.sh "$QAFLOW_ROOT"/infra/lib/config.sh; do source "$f"; done
  qf_config_defaults
  export QAFLOW_VAR
  trap ex_cleanup EXIT
  trap 'exit 143' TERM INT
}

ex_cleanup() {
  local rc=$? n
  if ((rc != 0)); then
    for n in scorer llm-stub storage; do
      [[ -f "$QAFLOW_VAR/log/$n.log" ]] && { echo "--- $n.log (end) ---"; tail -n 20 "$QAFLOW_VAR/log/$n.log"; }
    done
  fi
  for n in storage llm-stub scorer; do qf_stop "$n" 20 >/dev/null 2>&1 || true; done
  exit "$rc"
}

ex_bin() {
  local b="$QAFLOW_BIN_DIR/$1"
  [[ -x "$b" ]] || ex_die "$1 not built ($b)"
  printf '%s' "$b"
}

# ex_listening NAME: the port in NAME's "listening ... port=N" or "listening on ADDR:N" log line.
ex_listening() {
  grep -m1 -E ' listening ' "$(qf_logfile "$1")" 2>/dev/null | grep -oE '(port=|:)[0-9]+' | tail -1 | tr -dc 0-9
}

# ex_start NAME CMD... (with --port 0): spawn, wait (bounded; at once if it exits) until it logs its port
# and answers /health; the port is left in EX_PORT.
ex_start() {
  local name="$1"; shift
  qf_spawn "$name" "$@" >/dev/null 2>&1
  qf_wait_service "$name" "$name's port" 180 ex_listening "$name" >/dev/null 2>&1 ||
    ex_die "$name did not start (see $(qf_logfile "$name"))"
  EX_PORT="$(ex_listening "$name")"
  [[ -n "$EX_PORT" ]] || ex_die "$name: no port in its log"
  qf_wait_service "$name" "$name" 180 qf_http_ok "http://127.0.0.1:$EX_PORT/health" >/dev/null 2>&1 ||
    ex_die "$name did not become healthy on port $EX_PORT"
}

# ex_stack [STORAGE ARGS...]: the real scorer, the LLM stub and a storage with sync mode in front of them.
ex_stack() {
  local scorer stub
  ex_start scorer "$(ex_bin qaflow-scorer)" --port 0 --model-dir "$QAFLOW_MODEL_DIR"
  scorer="$EX_PORT"
  ex_start llm-stub "$(ex_bin qaflow-llm-stub)" --port 0
  stub="$EX_PORT"
  ex_start storage "$(ex_bin qaflow-storage)" --port 0 \
    --brokers "$QAFLOW_TEST_KAFKA" --pg-dsn "$QAFLOW_TEST_PG_DSN" --redis "$QAFLOW_TEST_REDIS" --group "$EX_RUN" \
    --backend ollama --llm-url "http://127.0.0.1:$stub" --scorer-url "http://127.0.0.1:$scorer" "$@"
  EX_URL="http://127.0.0.1:$EX_PORT"
  EX_STUB="http://127.0.0.1:$stub"
}

# ex_script MATCH RESPONSES_JSON: the stub answers prompts containing MATCH with these responses.
ex_script() {
  curl -fsS -X POST "$EX_STUB/admin/script" -d "{\"match\":$(jq -Rn --arg m "$1" '$m'),\"responses\":$2}" >/dev/null ||
    ex_die "cannot script the stub"
}

# ex_post FILE QUERY TEXT ANSWER: POST /query?QUERY; body into FILE, HTTP status printed.
ex_post() {
  curl -sS --max-time 120 -o "$1" -w '%{http_code}' -H 'Content-Type: application/json' \
    -d "$(jq -n --arg q "$3" --arg a "$4" '{question_text: $q, original_answer: $a}')" "$EX_URL/query${2:+?$2}"
}
