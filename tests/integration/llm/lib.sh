# lib.sh -- helpers shared by the llm-worker and retry integration tests (real Kafka and
# PostgreSQL from ./qaflow test-stack, the LLM stub as the LLM). Sourced by each test script.
#
# Every test gets its own copy of qaflow's topics (prefix llmt-<test>-<pid>-), so it sees only
# its own messages, and starts its own stub/workers on free ports (port 0). Everything it
# starts is killed and its topics deleted on exit.
set -euo pipefail

: "${QAFLOW_TEST_KAFKA:?run under ./qaflow test, or eval \"\$(./qaflow test-stack env)\" first}"
: "${LLM_WORKER_BIN:=$QAFLOW_BIN_DIR/qaflow-llm-worker}"
: "${RETRY_BIN:=$QAFLOW_BIN_DIR/qaflow-retry}"
: "${STUB_BIN:=$QAFLOW_BIN_DIR/qaflow-llm-stub}"
: "${TOPICS_BIN:=$QAFLOW_BIN_DIR/qaflow-kafka-topics}"
: "${QAFLOW_KAFKA_TOPICS_FILE:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/infra/kafka/topics.txt}"
K=$QAFLOW_TEST_KAFKA
T_NAME=${T_NAME:-$(basename "$0" .sh)}
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/qaflow-$T_NAME.XXXXXX")
P="llmt-${T_NAME//_/-}-$$-$RANDOM-"     # topic prefix
RUN="$$$RANDOM"                          # unique suffix for groups and question texts
declare -A PID_OF=()
T_OK=0

t_log() { printf '%s [%s] %s\n' "$(date -u +%H:%M:%S.%3N)" "$T_NAME" "$*" >&2; }

t_cleanup() {
  local name
  for name in "${!PID_OF[@]}"; do kill -TERM "${PID_OF[$name]}" 2>/dev/null || true; done
  for name in "${!PID_OF[@]}"; do
    for _ in $(seq 50); do kill -0 "${PID_OF[$name]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${PID_OF[$name]}" 2>/dev/null || true
  done
  "$TOPICS_BIN" --bootstrap "$K" --file "$QAFLOW_KAFKA_TOPICS_FILE" --prefix "$P" --delete >/dev/null 2>&1 || true
  if [[ $T_OK == 1 ]]; then rm -rf "$T_DIR"; else t_log "logs kept in $T_DIR"; fi
}
trap t_cleanup EXIT

t_fail() {
  t_log "FAIL: $*"
  local f
  for f in "$T_DIR"/*.log; do [[ -e $f ]] && { echo "---- $f (tail)" >&2; tail -n 25 "$f" >&2; }; done
  exit 1
}
t_pass() { T_OK=1; t_log "PASS"; exit 0; }

# t_check COND_DESCRIPTION command...: fails the test when the command fails.
t_check() { local what=$1; shift; "$@" || t_fail "$what"; }

"$TOPICS_BIN" --bootstrap "$K" --file "$QAFLOW_KAFKA_TOPICS_FILE" --prefix "$P" >/dev/null || t_fail "cannot create topics with prefix $P"
T_PENDING=${P}questions-pending
T_SUCCESS=${P}llm-responses-success
T_OVERLOAD=${P}llm-responses-error-overload
T_QUOTA=${P}llm-responses-error-quota
T_FAILED=${P}questions-failed

# Starts the stub on a free port; sets STUB (base URL).
start_stub() {
  "$STUB_BIN" --port 0 "$@" >"$T_DIR/stub.log" 2>&1 &
  PID_OF[stub]=$!
  local port=""
  for _ in $(seq 100); do
    port=$(sed -n 's/.*listening .*port=\([0-9]*\).*/\1/p' "$T_DIR/stub.log" | head -1)
    [[ -n $port ]] && break
    sleep 0.1
  done
  [[ -n $port ]] || t_fail "stub did not start"
  STUB="http://127.0.0.1:$port"
}

stub_admin() { # METHOD PATH [JSON]
  curl -sf -X "$1" "$STUB$2" ${3:+-H 'Content-Type: application/json' -d "$3"}
}

# start_worker NAME [flags...]: a worker on the test's topics, group llmt-<run>.
start_worker() {
  local name=$1; shift
  "$LLM_WORKER_BIN" --brokers "$K" --group "llmt-$RUN" --client-id "$name" \
    --topic-pending "$T_PENDING" --topic-success "$T_SUCCESS" --topic-overload "$T_OVERLOAD" \
    --topic-quota "$T_QUOTA" --topic-failed "$T_FAILED" --llm-url "$STUB" --metrics-port 0 \
    --timeout-s 10 -X session.timeout.ms=6000 -X heartbeat.interval.ms=1000 "$@" >>"$T_DIR/$name.log" 2>&1 &
  PID_OF[$name]=$!
}

# start_retry NAME POLICY [flags...]
start_retry() {
  local name=$1 policy=$2; shift 2
  local in=$T_OVERLOAD
  [[ $policy == quota ]] && in=$T_QUOTA
  "$RETRY_BIN" --policy "$policy" --brokers "$K" --group "llmt-retry-$policy-$RUN" \
    --client-id "$name" --topic-in "$in" --topic-pending "$T_PENDING" --topic-failed "$T_FAILED" \
    --pg-dsn "$QAFLOW_TEST_PG_DSN" --metrics-port 0 -X session.timeout.ms=6000 -X heartbeat.interval.ms=1000 "$@" >>"$T_DIR/$name.log" 2>&1 &
  PID_OF[$name]=$!
}

kill9() { kill -KILL "${PID_OF[$1]}" 2>/dev/null || true; wait "${PID_OF[$1]}" 2>/dev/null || true; unset "PID_OF[$1]"; }
stop_proc() { kill -TERM "${PID_OF[$1]}" 2>/dev/null || true; wait "${PID_OF[$1]}" 2>/dev/null || true; unset "PID_OF[$1]"; }

# metrics_port NAME: the /health+/metrics port a worker/retry consumer logged at startup.
metrics_port() {
  local port=""
  for _ in $(seq 100); do
    port=$(sed -n 's/.*metrics_port=\([0-9]*\).*/\1/p' "$T_DIR/$1.log" | tail -1)
    [[ -n $port ]] && break
    sleep 0.1
  done
  echo "$port"
}

# wait_assigned NAME PARTITIONS TIMEOUT_S: until the process logs that many assigned partitions.
wait_assigned() {
  local name=$1 want=$2 deadline=$((SECONDS + $3)) port
  port=$(metrics_port "$name")
  [[ -n $port ]] || t_fail "$name did not start"
  while ((SECONDS < deadline)); do
    local n
    n=$(curl -sf "127.0.0.1:$port/health" | jq -r '.assigned_partitions // 0' 2>/dev/null || echo 0)
    ((n >= want)) && return 0
    sleep 0.2
  done
  t_fail "$name: fewer than $want partitions assigned after $3 s"
}

# q_json ID TEXT ORIGINAL [retry_count] [error_retries]: a questions-pending message.
q_json() {
  jq -cn --arg id "$1" --arg t "$2" --arg o "$3" --argjson rc "${4:-0}" --argjson er "${5:-0}" --arg run "${6:-}" \
    '{question_id:$id, question_text:$t, original_answer:$o, retry_count:$rc,
      timestamp:"2025-10-28T10:30:00.000Z", error_retries:$er, created_at:"2025-10-28T10:30:00.000Z"}
     | if $run == "" then . else .run = ($run | tonumber) end'
}

# produce TOPIC KEY JSON [PARTITION]
produce() {
  printf '%s\t%s\n' "$2" "$3" | kcat -P -X partitioner=murmur2_random -b "$K" -t "$1" -K $'\t' ${4:+-p "$4"} -X enable.idempotence=true
}

# consume TOPIC: every message so far as "timestamp_ms<TAB>key<TAB>payload".
consume() { kcat -C -b "$K" -t "$1" -e -q -f '%T\t%k\t%s\n' 2>/dev/null || true; }

# wait_lines TOPIC REGEX N TIMEOUT_S: until at least N messages match (payload or key).
wait_lines() {
  local deadline=$((SECONDS + $4)) n=0
  while ((SECONDS < deadline)); do
    n=$(consume "$1" | grep -cE -- "$2" || true)
    ((n >= $3)) && return 0
    sleep 0.3
  done
  t_fail "$1: $n message(s) match '$2' after $4 s, expected >= $3"
}

# t_topics create|delete NAME...: creates or deletes only these of the test's topics (names as in
# topics.txt, without the prefix); a deletion waits (30 s at most) until the broker lists them no more.
t_topics() {
  local what=$1 name flag=(); shift
  [[ $what == delete ]] && flag=(--delete)
  grep -E "^($(IFS='|'; echo "$*")) " "$QAFLOW_KAFKA_TOPICS_FILE" >"$T_DIR/some-topics.txt"
  "$TOPICS_BIN" --bootstrap "$K" --file "$T_DIR/some-topics.txt" --prefix "$P" "${flag[@]}" >/dev/null ||
    t_fail "cannot $what topics $*"
  [[ $what == delete ]] || return 0
  local deadline=$((SECONDS + 30)) meta
  for name in "$@"; do
    until meta=$(kcat -L -b "$K" -t "$P$name" 2>&1 || true); grep -qiE "unknown topic|0 partitions" <<<"$meta"; do
      ((SECONDS < deadline)) || t_fail "topic $P$name still listed 30 s after its deletion: $meta"
      sleep 0.2
    done
  done
}

# metric NAME PORT: the value of an unlabelled metric on 127.0.0.1:PORT/metrics (empty when absent).
metric() { curl -sf "127.0.0.1:$2/metrics" | awk -v n="$1" '$1 == n {print $2; exit}'; }

# wait_blocked NAME PRODUCE_PREFIX CONSUMER_PREFIX: waits (60 s at most) until process NAME, whose
# producer cannot queue (its topics deleted), holds sends (<PRODUCE_PREFIX>_produce_blocked_total and
# _produce_held > 0), has paused intake (<CONSUMER_PREFIX>_paused 1) and has sent a message again after
# a failed delivery (message.timeout.ms) since the last call; then checks /health (200, "blocked"), the
# WARN line, and that 4 s later NAME still runs and still holds. Fails as soon as NAME exits.
T_RESENDS=0
wait_blocked() {
  local name=$1 pp=$2 cp=$3 port deadline=$((SECONDS + 60)) health n=0
  port=$(metrics_port "$name")
  until [[ $(metric "${pp}_produce_blocked_total" "$port") -gt 0 && $(metric "${pp}_produce_held" "$port") -gt 0 &&
           $(metric "${cp}_paused" "$port") == 1 ]] &&
        n=$(grep -c 'delivery.*failed.*sending again' "$T_DIR/$name.log") && ((n > T_RESENDS)); do
    ((SECONDS < deadline)) || t_fail "$name not blocked after 60 s: $(curl -sf "127.0.0.1:$port/metrics" | grep -E '_produce|_paused')"
    kill -0 "${PID_OF[$name]}" 2>/dev/null || t_fail "$name exited while Kafka could not take its writes"
    sleep 0.2
  done
  health=$(curl -s -w '\n%{http_code}' "127.0.0.1:$port/health")
  t_check "$name: /health is 200 and says blocked: $health" \
    jq -e -s '.[1] == 200 and .[0].produce == "blocked" and .[0].produce_held > 0' <<<"$health" >/dev/null
  t_check "$name: a WARN line when blocking started" grep -q 'WARN.*produce blocked' "$T_DIR/$name.log"
  sleep 4
  kill -0 "${PID_OF[$name]}" 2>/dev/null || t_fail "$name exited while Kafka could not take its writes"
  [[ $(metric "${pp}_produce_held" "$port") -gt 0 ]] || t_fail "$name holds nothing while its topics are gone"
  T_RESENDS=$n
  t_log "$name blocked: $(curl -sf "127.0.0.1:$port/metrics" | grep -E "^(${pp}_produce|${cp}_paused)" | tr '\n' ' ')"
}

# wait_unblocked NAME PRODUCE_PREFIX CONSUMER_PREFIX: waits (30 s at most) until NAME holds nothing and
# intake is no longer paused; checks the INFO line, /health ("ok") and that NAME still runs.
wait_unblocked() {
  local name=$1 pp=$2 cp=$3 port deadline=$((SECONDS + 30))
  port=$(metrics_port "$name")
  until [[ $(metric "${pp}_produce_held" "$port") == 0 && $(metric "${cp}_paused" "$port") == 0 ]]; do
    ((SECONDS < deadline)) || t_fail "$name still holding or paused 30 s after its topics came back"
    sleep 0.2
  done
  t_check "$name: an INFO line when it cleared" grep -q 'INFO.*produce unblocked' "$T_DIR/$name.log"
  t_check "$name: /health says ok again" jq -e '.produce == "ok" and .produce_held == 0' \
    <<<"$(curl -sf "127.0.0.1:$port/health")" >/dev/null
  kill -0 "${PID_OF[$name]}" 2>/dev/null || t_fail "$name exited"
}

# keys_once TOPIC PREFIX KEY...: the messages keyed PREFIX* on TOPIC are exactly KEY..., each once.
keys_once() {
  local topic=$1 prefix=$2; shift 2
  consume "$topic" | cut -f2 | grep -F "$prefix" | sort >"$T_DIR/keys.got" || true
  printf '%s\n' "$@" | sort >"$T_DIR/keys.want"
  diff "$T_DIR/keys.want" "$T_DIR/keys.got" >"$T_DIR/keys.diff" ||
    t_fail "$topic: keys $prefix* not each once (< missing, > extra): $(tr '\n' ' ' <"$T_DIR/keys.diff")"
}
