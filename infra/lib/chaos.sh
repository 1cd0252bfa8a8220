# infra/lib/chaos.sh: ./qaflow chaos -- steady traffic with LLM faults while each component is killed -9 (or
# stalled) and restarted in turn; then the drain and the accounting (docs/reliability.md, "Chaos").
#
# It runs against the stack of the environment (QAFLOW_VAR, QAFLOW_*_PORT): the components it needs are
# started when down (`up` with --llm stub|chaos; a running LLM of another mode is switched), running ones are
# used as they are. When it starts storage and the workers itself it gives them short bounds so that a run
# ends in minutes (settings below, each overridable by its variable). The LLM must be the stub (stub or
# chaos mode): the faults are set through its POST /admin/config and cleared at the end.
# The fault plan (order, moments, hold times) comes from --seed (printed; the same seed, the same plan).
# Files: $QAFLOW_VAR/chaos/<UTC time>/ (questions.csv, traffic.*, plan.txt, faults.tsv, restart.log,
# summary.json). Exit 0 only when every accepted question ended completed or failed exactly once.

CHAOS_STACK=(postgres redis kafka storage models llm scorer llm-worker retry flink)
# LLM faults during the traffic (the stub's /admin/config), cleared for the drain.
CHAOS_LLM_FAULTS='{"rate_503":0.05,"rate_429":0.03,"rate_402":0.02,"hang_rate":0.01,"retry_after_s":2}'
CHAOS_LLM_CLEAR='{"rate_503":0,"rate_429":0,"rate_402":0,"hang_rate":0,"latency_ms":0}'

chaos_usage() {
  cat <<'USAGE'
Usage: ./qaflow chaos [--minutes M] [--rate R] [--llm stub|chaos] [--seed N] [--drain-timeout S] [--out DIR]
  M minutes (default 5) of R questions/s (default 5) to storage, with LLM faults (503, 429, 402 with
  Retry-After, hangs that end in the worker's timeout), while each component is killed -9 and restarted
  in turn at seeded random moments (storage, each LLM worker, both retry consumers, the scorer, the Flink
  TaskManager and JobManager, Kafka, PostgreSQL, Redis) and PostgreSQL and the scorer are stalled
  (SIGSTOP/SIGCONT) for 5-10 s. Then it waits for the pipeline to drain (at most S s, default 900) and
  prints the accounting and each fault's recovery time. Exit 0 only when nothing was lost.
USAGE
}

chaos_now() { date +%s.%N | cut -c1-14; }
chaos_log() { printf '%s chaos: %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# chaos_faults: every fault of the run (one per LLM worker replica).
chaos_faults() {
  local i
  echo storage
  for ((i = 1; i <= QAFLOW_LLM_WORKERS; i++)); do echo "llm-worker-$i"; done
  printf '%s\n' retry-overload retry-quota scorer flink-taskmanager flink-jobmanager kafka postgres redis \
    stall-postgres stall-scorer
}

# chaos_fault_parts FAULT: "process component" of a fault (the pid file's name, the component restarting it).
chaos_fault_parts() {
  case "$1" in
    llm-worker-*) echo "$1 llm-worker" ;;
    retry-*) echo "$1 retry" ;;
    flink-jobmanager) echo "flink flink" ;;
    flink-taskmanager) echo "flink-taskmanager flink" ;;
    stall-*) echo "${1#stall-} ${1#stall-}" ;;
    *) echo "$1 $1" ;;
  esac
}

# chaos_flink_job_running [SINCE_MS]: the ScoreJob and every one of its tasks RUNNING, and (with SINCE_MS)
# RUNNING again since then: right after a TaskManager's death the JobManager still shows the job running
# until it notices; what counts is the job's restart.
chaos_flink_job_running() {
  local jid; jid="$(flink_job_id)"
  [[ -n "$jid" ]] || return 1
  curl -fsS --max-time 3 "$(flink_url)/jobs/$jid" | jq -e --argjson since "${1:-0}" '.state == "RUNNING"
    and ([.vertices[].status] | all(. == "RUNNING")) and (.timestamps.RUNNING // 0) >= $since' >/dev/null
}

# chaos_healthy FAULT: the component of FAULT answers its health check (/health 200; the job RUNNING for Flink).
chaos_healthy() {
  case "$1" in
    storage) storage_healthy ;;
    llm-worker-*) llmw_healthy "${1#llm-worker-}" ;;
    retry-*) retryc_healthy "${1#retry-}" ;;
    scorer | stall-scorer) scorer_healthy ;;
    flink-*) chaos_flink_job_running "${CHAOS_SINCE_MS:-0}" ;;
    kafka) kafka_ready ;;
    postgres | stall-postgres) postgres_ready && storage_healthy ;;
    redis) redis_ready ;;
  esac
}

# chaos_pg_pids: the postmaster and its children (a stall freezes the whole cluster, as a hung host would).
chaos_pg_pids() {
  local pm; pm="$(qf_pid postgres)" || return 0
  echo "$pm"
  pgrep -P "$pm" || true
}

# chaos_restart COMPONENT: its start function, in a subshell (a failed start must not end the run), up to 3 tries.
chaos_restart() {
  local try
  for try in 1 2 3; do
    ("${1}_start") </dev/null >>"$CHAOS_OUT/restart.log" 2>&1 && return 0
    chaos_log "restart of $1 failed (try $try, see $CHAOS_OUT/restart.log)"
    sleep 2
  done
  return 1
}

# chaos_fault FAULT HOLD_S: one fault, recorded in faults.tsv: kill -9 (or SIGSTOP), HOLD_S seconds, restart
# (or SIGCONT), then wait (at most QAFLOW_CHAOS_RECOVERY_TIMEOUT s) until its health check passes.
chaos_fault() {
  local fault="$1" hold="$2" proc comp pid t_kill t_restart t_healthy="" ok=no during=no
  read -r proc comp <<<"$(chaos_fault_parts "$fault")"
  kill -0 "$CHAOS_TRAFFIC_PID" 2>/dev/null && during=yes
  if ! pid="$(qf_pid "$proc")"; then
    chaos_log "$fault: $proc is not running (restarting it first)"
    chaos_restart "$comp" || true
    pid="$(qf_pid "$proc")" || { printf '%s\t%s\t%s\t\tno\t%s\t-\n' "$fault" "$(chaos_now)" "$(chaos_now)" "$during" >>"$CHAOS_FAULTS"; return 0; }
  fi
  t_kill="$(chaos_now)" CHAOS_SINCE_MS="$(date +%s%3N)"
  if [[ "$fault" == stall-* ]]; then
    local -a frozen
    if [[ "$fault" == stall-postgres ]]; then mapfile -t frozen < <(chaos_pg_pids); else frozen=("$pid"); fi
    CHAOS_FROZEN=("${frozen[@]}")
    kill -STOP "${frozen[@]}" 2>/dev/null || true
    chaos_log "$fault: SIGSTOP ${proc} (pids ${frozen[*]}) for ${hold} s"
    sleep "$hold"
    t_restart="$(chaos_now)"
    kill -CONT "${frozen[@]}" 2>/dev/null || true
    CHAOS_FROZEN=()
    chaos_log "$fault: SIGCONT"
  else
    kill -KILL "$pid" 2>/dev/null || true
    chaos_log "$fault: kill -9 $proc (pid $pid); restart in ${hold} s"
    sleep "$hold"
    t_restart="$(chaos_now)"
    chaos_restart "$comp" || chaos_log "$fault: $comp did not start again"
  fi
  local deadline=$((SECONDS + ${QAFLOW_CHAOS_RECOVERY_TIMEOUT:-300}))
  until chaos_healthy "$fault" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || break
    sleep 0.5
  done
  if chaos_healthy "$fault" >/dev/null 2>&1; then
    t_healthy="$(chaos_now)" ok=ok
    chaos_log "$fault: healthy again $(awk -v a="$t_healthy" -v b="$t_restart" 'BEGIN { printf "%.1f", a - b }') s after the restart"
  else
    chaos_log "$fault: NOT healthy ${QAFLOW_CHAOS_RECOVERY_TIMEOUT:-300} s after the restart"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$fault" "$t_kill" "$t_restart" "$t_healthy" "$ok" "$during" "$pid" >>"$CHAOS_FAULTS"
}

# chaos_llm_config JSON: set the LLM stub's faults.
chaos_llm_config() {
  curl -fsS --max-time 5 -X POST "http://127.0.0.1:$QAFLOW_LLMSTUB_PORT/admin/config" -d "$1" >/dev/null
}

# chaos_cleanup: on every exit: no process left frozen, no LLM fault left on, no traffic left running.
chaos_cleanup() {
  ((${#CHAOS_FROZEN[@]} == 0)) || kill -CONT "${CHAOS_FROZEN[@]}" 2>/dev/null || true
  [[ -n "${CHAOS_TRAFFIC_PID:-}" ]] && kill "$CHAOS_TRAFFIC_PID" 2>/dev/null
  chaos_llm_config "$CHAOS_LLM_CLEAR" 2>/dev/null || true
}

# chaos_stack_up LLM: start what is down (a fresh storage and fresh workers get the short bounds).
chaos_stack_up() {
  export QAFLOW_LLM="$1" QAFLOW_LLM_EXPLICIT=1
  if ! qf_pid storage >/dev/null; then export QAFLOW_STORAGE_SWEEP_INTERVAL_S="${QAFLOW_STORAGE_SWEEP_INTERVAL_S:-10}"; fi
  if ! qf_pid llm-worker-1 >/dev/null; then export QAFLOW_LLM_TIMEOUT_S="${QAFLOW_LLM_TIMEOUT_S:-15}"; fi
  if ! qf_pid retry-quota >/dev/null; then export QAFLOW_RETRY_MAX_DELAY_S="${QAFLOW_RETRY_MAX_DELAY_S:-60}"; fi
  # The stub's answers score 0.1-0.5: at the shipped 0.5 every question takes all 4 attempts; at 0.3
  # about half pass at once, so regenerations happen and the scorer keeps up with the traffic.
  if ! qf_pid flink >/dev/null; then export QAFLOW_SCOREJOB_THRESHOLD="${QAFLOW_SCOREJOB_THRESHOLD:-0.3}"; fi
  chaos_log "starting what is not running: ${CHAOS_STACK[*]} (LLM $1; log $CHAOS_OUT/up.log)"
  (cmd_up "${CHAOS_STACK[@]}") >"$CHAOS_OUT/up.log" 2>&1 || { tail -n 30 "$CHAOS_OUT/up.log" >&2; qf_die "chaos: the stack did not start"; }
  local mode; mode="$(llmc_running_mode)"
  [[ "$mode" == stub || "$mode" == chaos ]] || qf_die "chaos: the LLM runs in mode '$mode': the faults need the stub (./qaflow up --llm stub)"
  chaos_flink_job_running || qf_die "chaos: the ScoreJob is not running (./qaflow status flink)"
}

# chaos_pending IDS_FILE: how many of the questions are still pending (or absent: not yet persisted).
chaos_pending() {
  postgres_psql -X -q -tA -v ON_ERROR_STOP=1 -f - 2>/dev/null <<SQL
CREATE TEMP TABLE c (question_id text PRIMARY KEY);
\copy c FROM '$1'
SELECT count(*) FROM c LEFT JOIN questions q USING (question_id) WHERE q.status IS DISTINCT FROM 'completed' AND q.status IS DISTINCT FROM 'failed';
SQL
}

cmd_chaos() {
  local minutes=5 rate=5 llm=stub seed="" drain=900 out=""
  while (($# > 0)); do
    case "$1" in
      --minutes | --rate | --llm | --seed | --drain-timeout | --out)
        [[ -n "${2:-}" && "$2" != --* ]] || qf_die "chaos: $1 needs a value" ;;&
      --minutes) minutes="$2"; shift 2 ;;
      --rate) rate="$2"; shift 2 ;;
      --llm) llm="$2"; shift 2 ;;
      --seed) seed="$2"; shift 2 ;;
      --drain-timeout) drain="$2"; shift 2 ;;
      --out) out="$2"; shift 2 ;;
      help | -h | --help) chaos_usage; return 0 ;;
      *) chaos_usage >&2; qf_die "chaos: unknown option $1" ;;
    esac
  done
  [[ "$minutes" =~ ^[0-9]+([.][0-9]+)?$ && "$rate" =~ ^[0-9]+([.][0-9]+)?$ && "$drain" =~ ^[0-9]+$ ]] ||
    qf_die "chaos: --minutes, --rate and --drain-timeout take numbers"
  [[ "$llm" == stub || "$llm" == chaos ]] || qf_die "chaos: --llm must be stub or chaos"
  [[ -n "$seed" ]] || seed=$(($(date +%s) % 100000))
  [[ "$seed" =~ ^[0-9]+$ ]] || qf_die "chaos: --seed takes a number"
  qf_need curl jq psql python3 kcat
  local traffic="$QAFLOW_BIN_DIR/qaflow-traffic"
  [[ -x "$traffic" ]] || qf_die "chaos: $traffic is missing (./qaflow build)"
  CHAOS_OUT="$(realpath -m "${out:-$QAFLOW_VAR/chaos/$(date -u +%Y%m%dT%H%M%SZ)}")"
  CHAOS_FAULTS="$CHAOS_OUT/faults.tsv" CHAOS_FROZEN=() CHAOS_TRAFFIC_PID=""
  mkdir -p "$CHAOS_OUT"
  chaos_log "seed $seed (replay: ./qaflow chaos --minutes $minutes --rate $rate --llm $llm --seed $seed); files in $CHAOS_OUT"
  trap chaos_cleanup EXIT
  trap 'exit 130' INT TERM
  chaos_stack_up "$llm"

  local seconds count py="$QAFLOW_ROOT/infra/lib/chaos.py"
  seconds="$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')"
  # Questions for up to twice the minutes plus 10 minutes: the traffic goes on past M minutes until the
  # last fault has recovered (on a loaded machine the restarts take longer than the plan's slots).
  count="$(awk -v s="$seconds" -v r="$rate" 'BEGIN { printf "%d", (2 * s + 600) * r }')"
  ((seconds > 0 && count > 0)) || qf_die "chaos: --minutes and --rate give no question"
  python3 "$py" dataset --src "$QAFLOW_ROOT/dataset/sample.csv" --count "$count" --out "$CHAOS_OUT/questions.csv"
  mapfile -t faults < <(chaos_faults)
  python3 "$py" plan --seed "$seed" --seconds "$seconds" "${faults[@]}" >"$CHAOS_OUT/plan.txt"
  chaos_log "plan (seconds into the traffic, fault, hold s): $(tr '\n' ';' <"$CHAOS_OUT/plan.txt")"
  printf 'fault\tt_kill\tt_restart\tt_healthy\tresult\tduring_traffic\tpid\n' >"$CHAOS_FAULTS"

  chaos_llm_config "$CHAOS_LLM_FAULTS" || qf_die "chaos: cannot set the LLM stub's faults (port $QAFLOW_LLMSTUB_PORT)"
  chaos_log "LLM faults on: $CHAOS_LLM_FAULTS (worker timeout ${QAFLOW_LLM_TIMEOUT_S:-as started})"
  chaos_log "traffic: $rate questions/s for $seconds s (longer until the last fault has recovered) to $(storage_url)"
  local t0=$SECONDS
  (cd "$QAFLOW_ROOT" && exec "$traffic" --url "$(storage_url)" --dataset "$CHAOS_OUT/questions.csv" --count "$count" \
    --rate "$rate" --no-wait --results "$CHAOS_OUT/traffic.results.jsonl" --json --tag "chaos-$seed-$(date +%s)" \
    --concurrency 64 --http-timeout-ms 15000 --log-level error >"$CHAOS_OUT/traffic.json" 2>"$CHAOS_OUT/traffic.log") &
  CHAOS_TRAFFIC_PID=$!

  local at fault hold
  while read -r -u 3 at fault hold; do
    while ((SECONDS - t0 < ${at%.*})); do sleep 0.2; done
    chaos_fault "$fault" "$hold"
  done 3<"$CHAOS_OUT/plan.txt"
  # The traffic ends at M minutes, or 15 s after the last recovery (questions asked after it) if that is later.
  local stop_at=$((SECONDS + 15 > t0 + seconds ? SECONDS + 15 : t0 + seconds))
  while ((SECONDS < stop_at)) && kill -0 "$CHAOS_TRAFFIC_PID" 2>/dev/null; do sleep 0.5; done
  ((SECONDS - t0 <= seconds)) || chaos_log "the faults took longer than $seconds s: the traffic ran $((SECONDS - t0)) s"
  kill -TERM "$CHAOS_TRAFFIC_PID" 2>/dev/null || true
  local rc=0 trc=0 t_end
  wait "$CHAOS_TRAFFIC_PID" || trc=$?
  CHAOS_TRAFFIC_PID="" t_end=$SECONDS
  chaos_llm_config "$CHAOS_LLM_CLEAR" || chaos_log "could not clear the LLM faults"
  # (its exit status after the SIGTERM says nothing; the accounting needs questions accepted, checked there)
  ((trc == 0)) || chaos_log "qaflow-traffic exited with $trc (see $CHAOS_OUT/traffic.log)"
  jq -r 'select(.http_status == 202) | .question_id' "$CHAOS_OUT/traffic.results.jsonl" | sort -u >"$CHAOS_OUT/accepted.ids"
  chaos_log "traffic done: $(jq -c '{sent, accepted, rejected, errors: .send_errors}' "$CHAOS_OUT/traffic.json" 2>/dev/null ||
    echo '?'); $(wc -l <"$CHAOS_OUT/accepted.ids") questions got a 202; LLM faults off; draining (at most $drain s)"

  local deadline=$((SECONDS + drain)) left="" last=""
  while :; do
    left="$(chaos_pending "$CHAOS_OUT/accepted.ids")" || left=""
    [[ "$left" == 0 ]] && break
    ((SECONDS < deadline)) || break
    [[ "$left" != "$last" ]] && chaos_log "$left question(s) not final yet"
    last="$left"
    sleep 2
  done
  chaos_log "drain: ${left:-?} question(s) not final $((SECONDS - t_end)) s after the traffic"
  PGHOST=127.0.0.1 PGPORT="$QAFLOW_PG_PORT" PGUSER="$QAFLOW_PG_USER" PGPASSWORD="$QAFLOW_PG_PASSWORD" \
    PGDATABASE="$QAFLOW_PG_DB" python3 "$py" account --ids "$CHAOS_OUT/accepted.ids" --faults "$CHAOS_FAULTS" \
    --out "$CHAOS_OUT/summary.json" | tee "$CHAOS_OUT/summary.txt" || rc=1
  [[ "$(jq -r .ok "$CHAOS_OUT/summary.json" 2>/dev/null)" == true ]] || rc=1
  chaos_log "seed $seed; summary in $CHAOS_OUT/summary.json"
  return $((rc == 0 ? 0 : 1))
}
