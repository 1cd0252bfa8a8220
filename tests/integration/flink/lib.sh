# tests/integration/flink/lib.sh: helpers of the ScoreJob integration tests (real Flink cluster, Kafka, scorer).
# Sourced by flink_test.sh. Ports: QAFLOW_TEST_PORT_BASE + 800..849 (Flink REST +801, RPC +802,
# scorer +810/+811, storage +820, LLM stub +821, LLM worker metrics +822, retry metrics +823).

ft_die() { printf '%s FAIL %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; exit 1; }
ft_log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# ft_init CASE: environment checks, a private var dir, the launcher's helpers and the flink component.
ft_init() {
  local name="$1"
  for v in QAFLOW_TEST_KAFKA QAFLOW_TEST_PORT_BASE QAFLOW_BIN_DIR QAFLOW_MODEL_DIR; do
    [[ -n "${!v:-}" ]] || ft_die "$v is not set: run under ./qaflow test or eval \"\$(./qaflow test-stack env)\""
  done
  : "${QAFLOW_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}"
  export QAFLOW_ROOT
  local base="$QAFLOW_TEST_PORT_BASE"
  FT_RUN="ft-$name-$$-$(date +%s)"
  export QAFLOW_VAR="$QAFLOW_ROOT/var/test-$base/flink-$name"
  rm -rf "$QAFLOW_VAR"; mkdir -p "$QAFLOW_VAR"
  export QAFLOW_FLINK_DIR="$QAFLOW_VAR/flink"
  export QAFLOW_FLINK_PORT=$((base + 801)) QAFLOW_FLINK_RPC_PORT=$((base + 802))
  export QAFLOW_KAFKA_PORT="${QAFLOW_TEST_KAFKA##*:}"
  export QAFLOW_START_TIMEOUT="${QAFLOW_START_TIMEOUT:-180}"
  FT_SCORER_PORT=$((base + 810)) FT_SCORER2_PORT=$((base + 811))
  FT_STORAGE_PORT=$((base + 820)) FT_STUB_PORT=$((base + 821)) FT_WORKER_PORT=$((base + 822))
  FT_RETRY_PORT=$((base + 823))
  FT_K="$QAFLOW_TEST_KAFKA"
  # shellcheck source=/dev/null
  for f in "$QAFLOW_ROOT"/infra/lib/common.sh "$QAFLOW_ROOT"/infra/lib/config.sh; do source "$f"; done
  qf_config_defaults
  export QAFLOW_VAR QAFLOW_KAFKA_PORT
  # shellcheck source=/dev/null
  source "$QAFLOW_ROOT/infra/components/flink.sh"
  FT_START_MS=$(($(date +%s%3N) - 1000))
  trap ft_cleanup EXIT
  trap 'exit 143' TERM INT
  ft_log "case $name: run $FT_RUN, Flink UI http://127.0.0.1:$QAFLOW_FLINK_PORT, logs in $QAFLOW_VAR/log"
}

ft_cleanup() {
  local rc=$?
  if ((rc != 0)); then
    for n in flink flink-taskmanager scorer scorer2 storage llm-stub llm-worker retry llm; do
      [[ -f "$QAFLOW_VAR/log/$n.log" ]] && { echo "--- $n.log (end) ---" >&2; tail -n 25 "$QAFLOW_VAR/log/$n.log" >&2; }
    done
  fi
  for n in llm-worker retry storage llm-stub llm flink-taskmanager flink scorer scorer2; do qf_stop "$n" 20 2>/dev/null || true; done
  exit "$rc"
}

# ft_bin NAME: the path of a teammate's binary, or fail clearly.
ft_bin() {
  local b="$QAFLOW_BIN_DIR/$1"
  [[ -x "$b" ]] || ft_die "$1 not built ($b): this test needs it"
  printf '%s' "$b"
}

# ft_scorer_start NAME PORT [FLAGS...]: the real qaflow-scorer on PORT (pid file NAME). A scorer that exits at
# once (e.g. the port of the previous test's scorer not yet free) is started again, at most 3 times.
ft_scorer_start() {
  local name="$1" port="$2" bin try deadline
  shift 2
  bin="$(ft_bin qaflow-scorer)"
  for try in 1 2 3; do
    qf_spawn "$name" "$bin" --port "$port" --model-dir "$QAFLOW_MODEL_DIR" "$@"
    deadline=$((SECONDS + 180))
    until qf_http_ok "http://127.0.0.1:$port/health"; do
      qf_pid "$name" >/dev/null || break
      ((SECONDS < deadline)) || ft_die "qaflow-scorer not healthy on $port after 180 s"
      sleep 0.5
    done
    qf_http_ok "http://127.0.0.1:$port/health" && return 0
    ft_log "qaflow-scorer exited (try $try): $(tail -n 3 "$(qf_logfile "$name")" | tr '\n' ' ')"
    sleep 2
  done
  ft_die "qaflow-scorer keeps exiting (see $(qf_logfile "$name"))"
}

# ft_score PORT CANDIDATE REFERENCE: the score the scorer gives (f1_rescaled when present, else f1; as the job's auto).
ft_score() {
  local body
  body="$(jq -cn --arg c "$2" --arg r "$3" '{pairs: [{candidate: $c, reference: $r}]}')"
  curl -fsS --max-time 60 -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$1/score" \
    | jq -er '.results[0] | if .f1_rescaled != null then .f1_rescaled else .f1 end'
}

# ft_cluster_and_job ARGS...: start the cluster, submit the ScoreJob reading from this test's start, wait RUNNING.
ft_cluster_and_job() {
  flink_cluster_start
  FT_JOB="$(QAFLOW_FLINK_FRESH=1 flink_submit --group-id "qaflow-scorejob-$FT_RUN" \
    --starting-offsets "timestamp:$FT_START_MS" --job-name qaflow-scorejob "$@")"
  flink_wait_running "$FT_JOB" || ft_die "ScoreJob not running"
}

# ft_attempt QID RETRY ANSWER REFERENCE: one llm-responses-success message, as an LLM worker would write it.
ft_attempt() {
  local now; now="$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)"
  local json
  json="$(jq -cn --arg q "$1" --argjson rc "$2" --arg a "$3" --arg ref "$4" --arg now "$now" \
    --arg created "${FT_CREATED:-2026-01-01T00:00:00.000Z}" '{question_id: $q, question_text: ("question of " + $q),
      llm_response: $a, original_answer: $ref, retry_count: $rc, response_time_ms: 5, timestamp: $now,
      error_retries: 0, created_at: $created, llm_started_at: $now, llm_finished_at: $now, model: "test"}')"
  printf '%s\t%s\n' "$1" "$json" | kcat -P -X partitioner=murmur2_random -b "$FT_K" -t llm-responses-success -K$'\t' || ft_die "produce failed"
}

# ft_raw KEY TEXT: a raw record on llm-responses-success.
ft_raw() { printf '%s\t%s\n' "$1" "$2" | kcat -P -X partitioner=murmur2_random -b "$FT_K" -t llm-responses-success -K$'\t'; }

# ft_msgs TOPIC KEY: every value on TOPIC with KEY since this test started, one per line.
ft_msgs() {
  kcat -C -b "$FT_K" -t "$1" -o "s@$FT_START_MS" -e -q -f '%k\t%s\n' 2>/dev/null \
    | awk -F'\t' -v k="$2" '$1 == k { sub(/^[^\t]*\t/, ""); print }'
}

# ft_wait TOPIC KEY N [TIMEOUT_S]: wait until TOPIC has at least N messages with KEY; print them.
ft_wait() {
  local topic="$1" key="$2" n="$3" timeout="${4:-120}" out deadline=$((SECONDS + ${4:-120}))
  while :; do
    out="$(ft_msgs "$topic" "$key")"
    if (($(grep -c . <<<"$out") >= n)); then printf '%s\n' "$out"; return 0; fi
    ((SECONDS < deadline)) || ft_die "timed out after ${timeout}s waiting for $n message(s) on $topic for $key (have: $out)"
    sleep 0.5
  done
}

# ft_count TOPIC KEY: how many messages with KEY are on TOPIC now.
ft_count() { ft_msgs "$1" "$2" | grep -c . || true; }

# ft_eq DESC GOT WANT; ft_near DESC GOT WANT (1e-6)
ft_eq() { [[ "$2" == "$3" ]] || ft_die "$1: got '$2', want '$3'"; ft_log "ok  $1 = $2"; }
ft_near() {
  awk -v a="$2" -v b="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d < 1e-6) }' \
    || ft_die "$1: got $2, want $3"
  ft_log "ok  $1 = $2"
}

ft_job_state() { curl -fsS --max-time 5 "$(flink_url)/jobs/$FT_JOB" | jq -r .state; }

# ft_completed_checkpoints: number of completed checkpoints of the job.
ft_completed_checkpoints() { curl -fsS --max-time 5 "$(flink_url)/jobs/$FT_JOB/checkpoints" | jq -r '.counts.completed'; }

# ft_wait_checkpoint_after N: wait until more than N checkpoints are complete.
ft_wait_checkpoint_after() {
  local n="$1" deadline=$((SECONDS + 120))
  until (($(ft_completed_checkpoints) > n)); do
    ((SECONDS < deadline)) || ft_die "no checkpoint completed in 120 s"
    sleep 0.5
  done
}
