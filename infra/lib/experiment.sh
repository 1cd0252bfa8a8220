# infra/lib/experiment.sh: ./qaflow experiment sync-vs-async|cache|threshold -- measured comparisons for the report.
#
# Each experiment prints its table and writes NAME.md and NAME.csv (plus charts NAME.png/.svg where it
# has one, and the raw per-run files) into --out (default $QAFLOW_VAR/experiments). The tables are made by
# infra/lib/experiment_tables.py from the measured files; no number is typed in by hand.
#
# Settings (environment, defaults in brackets):
#   QAFLOW_EXPERIMENT_STORAGE_PORT [QAFLOW_STORAGE_PORT + 100]  the experiment's own qaflow-storage (sync mode on)
#   QAFLOW_EXPERIMENT_REDIS_PORT [QAFLOW_REDIS_PORT + 100]      the cache experiment's Redis

exp_tables() { python3 "$QAFLOW_ROOT/infra/lib/experiment_tables.py" "$@"; }
exp_traffic_bin() { printf '%s/qaflow-traffic' "$QAFLOW_BIN_DIR"; }
exp_storage_port() { printf '%s' "${QAFLOW_EXPERIMENT_STORAGE_PORT:-$((QAFLOW_STORAGE_PORT + 100))}"; }
exp_storage_url() { printf 'http://127.0.0.1:%s' "$(exp_storage_port)"; }
exp_redis_port() { printf '%s' "${QAFLOW_EXPERIMENT_REDIS_PORT:-$((QAFLOW_REDIS_PORT + 100))}"; }

# exp_llm_mode: the LLM mode of the running stack (from the llm component's llm.env).
exp_llm_env() {
  local f="$QAFLOW_VAR/run/llm.env"
  [[ -f "$f" ]] || qf_die "experiment: no $f: the llm component is not up"
  # shellcheck source=/dev/null
  source "$f"
}

# exp_up LLM COMPONENT...: the stack's components with this LLM (started when down; a running LLM of
# another mode is an error, not silently measured).
exp_up() {
  local llm="$1"; shift
  export QAFLOW_LLM="$llm"
  cmd_up "$@" >&2
  exp_llm_env
  [[ "$QAFLOW_LLM_MODE" == "$llm" ]] ||
    qf_die "experiment: the stack's LLM runs in mode $QAFLOW_LLM_MODE, not $llm: ./qaflow down llm llm-worker, then run again"
}

# exp_storage_start REDIS_ADDR EXTRA_ARGS...: a second qaflow-storage (process "storage-exp") for the sync
# mode, on the stack's PostgreSQL, without outbox relay and consumer; LLM and scorer are the stack's.
exp_storage_start() {
  local redis="$1"; shift
  local bin="$QAFLOW_BIN_DIR/qaflow-storage" port; port="$(exp_storage_port)"
  [[ -x "$bin" ]] || qf_die "experiment: $bin is missing (run ./qaflow build)"
  qf_stop storage-exp 30 >&2
  qf_port_open "$port" && qf_die "experiment: port $port is taken (set QAFLOW_EXPERIMENT_STORAGE_PORT)"
  qf_spawn storage-exp "$bin" --port "$port" --pg-dsn "$(qf_pg_dsn)" --redis "$redis" \
    --brokers "$(qf_kafka_bootstrap)" --relay false --consumer false \
    --scorer-url "http://127.0.0.1:$QAFLOW_SCORER_PORT" "$@"
  qf_wait_service storage-exp "experiment storage /health" "$QAFLOW_START_TIMEOUT" qf_http_ok "$(exp_storage_url)/health" ||
    qf_die "experiment: the sync-mode storage did not start"
}

# exp_cpu_start FILE: samples the machine's CPU utilisation (all cores, from /proc/stat) once a second
# into FILE ("unix_time percent" lines) until exp_cpu_stop. Sets EXP_CPU_PID.
exp_cpu_start() {
  local file="$1"
  : >"$file"
  (
    read -r _ u n s i w x y z _ </proc/stat
    pb=$((u + n + s + x + y + z)) pi=$((i + w))
    while sleep 1; do
      read -r _ u n s i w x y z _ </proc/stat
      b=$((u + n + s + x + y + z)) id=$((i + w))
      db=$((b - pb)) di=$((id - pi))
      ((db + di > 0)) && printf '%s %s\n' "$(date +%s)" "$((100 * db / (db + di)))" >>"$file"
      pb=$b pi=$id
    done
  ) &
  EXP_CPU_PID=$!
}
exp_cpu_stop() {
  [[ -n "${EXP_CPU_PID:-}" ]] || return 0
  kill "$EXP_CPU_PID" 2>/dev/null || true
  wait "$EXP_CPU_PID" 2>/dev/null || true
  EXP_CPU_PID=""
}

# exp_stub_faults JSON: the live fault settings of the LLM stub / chaos proxy of the stack.
exp_stub_faults() {
  curl -fsS -X POST "http://127.0.0.1:$QAFLOW_LLMSTUB_PORT/admin/config" -d "$1" >/dev/null ||
    qf_die "experiment: cannot set the faults of the LLM stub on port $QAFLOW_LLMSTUB_PORT"
}

# exp_run NAME OUTDIR TRAFFIC_ARGS...: one measured qaflow-traffic run: NAME.json (summary), NAME.csv
# (per-second series), NAME.results.jsonl, NAME.cpu (machine CPU per second).
exp_run() {
  local name="$1" out="$2"; shift 2
  local rc=0
  exp_cpu_start "$out/$name.cpu"
  # from the project's root: qaflow-traffic's default dataset path is relative
  (cd "$QAFLOW_ROOT" && "$(exp_traffic_bin)" --json --timeseries "$out/$name.csv" --results "$out/$name.results.jsonl" \
    --log-level warn "$@" >"$out/$name.json") || rc=$?
  exp_cpu_stop
  ((rc == 0)) || qf_die "experiment: qaflow-traffic failed in run $name (exit $rc)"
}

exp_usage() {
  cat <<'USAGE'
Usage: ./qaflow experiment NAME [OPTIONS]   (tables and charts into --out DIR, default var/experiments)
  sync-vs-async [--rate R] [--seconds S] [--llm stub|llama|chaos] [--sync-workers N]
                [--fault-503 P] [--fault-402 P] [--retry-after S] [--out DIR]
      the same traffic (questions, Poisson arrival times) to POST /query (Kafka + Flink) and to
      POST /query?mode=sync (a bounded pool), without faults and with LLM faults injected
  cache [--questions N] [--sends M] [--zipf-s S] [--llm MODE] [--out DIR]
      Redis allkeys-lru against allkeys-lfu hit rates under Zipf traffic at small maxmemory sizes
  threshold [--dataset FILE] [--questions N] [--gain-share F] [--apply] [--llm MODE] [--out DIR]
      every question answered 1 + max-regenerations times and scored, the ScoreJob's routing replayed
      for each threshold, a recommended threshold (--apply writes it into var/settings.env)
USAGE
}

cmd_experiment() {
  local what="${1:-}"
  (($# > 0)) && shift
  case "$what" in
    sync-vs-async) exp_sync_vs_async "$@" ;;
    cache) exp_cache "$@" ;;
    threshold) exp_threshold "$@" ;;
    ""|help|--help|-h) exp_usage ;;
    *) exp_usage >&2; qf_die "experiment: unknown experiment '$what'" ;;
  esac
}

# exp_need_value FLAG VALUE: a flag's value must be there.
exp_need_value() { [[ -n "${2:-}" && "$2" != --* ]] || qf_die "experiment: $1 needs a value"; }

exp_sync_vs_async() {
  local rate=2 seconds=30 llm=stub out="$QAFLOW_VAR/experiments" workers="" f503=0.2 f402=0.05 retry_after=2
  while (($# > 0)); do
    exp_need_value "$1" "${2:-}"
    case "$1" in
      --rate) rate="$2" ;;
      --seconds) seconds="$2" ;;
      --llm) llm="$2" ;;
      --out) out="$2" ;;
      --sync-workers) workers="$2" ;;
      --fault-503) f503="$2" ;;
      --fault-402) f402="$2" ;;
      --retry-after) retry_after="$2" ;;
      *) qf_die "experiment sync-vs-async: unknown option $1 (see ./qaflow experiment help)" ;;
    esac
    shift 2
  done
  [[ "$llm" =~ ^(stub|llama|chaos)$ ]] || qf_die "experiment: --llm must be stub, llama or chaos"
  out="$(realpath -m "$out")"
  local count
  count="$(awk -v r="$rate" -v s="$seconds" 'BEGIN{n=int(r*s+0.5); print (n<1?1:n)}')"
  # The pool a Tarea 1 server would have: as many LLM calls at once as the asynchronous workers make.
  : "${workers:=$((${QAFLOW_LLM_WORKERS:-2} * ${QAFLOW_LLM_CONCURRENCY:-4}))}"
  mkdir -p "$out/sync-vs-async"
  local raw="$out/sync-vs-async" tag seed
  tag="exp-$(date -u +%Y%m%dT%H%M%S)"
  seed="$(date +%s)"
  exp_up "$llm"
  exp_storage_start "$(qf_redis_addr)" --sync-workers "$workers"
  qf_info "experiment sync-vs-async: $count questions at $rate/s (Poisson, seed $seed) to each mode; LLM $llm; sync pool $workers workers"
  local phase mode faults
  for phase in nofaults faults; do
    if [[ "$phase" == faults ]]; then
      if [[ "$llm" == llama ]]; then
        qf_warn "experiment: no fault injection with --llm llama (use chaos): the faults phase is skipped"
        continue
      fi
      faults="{\"rate_503\":$f503,\"rate_402\":$f402,\"retry_after_s\":$retry_after,\"seed\":$seed}"
    else
      faults='{"rate_503":0,"rate_429":0,"rate_402":0,"hang_rate":0}'
    fi
    for mode in async sync; do
      [[ "$llm" == llama ]] || exp_stub_faults "$faults"
      qf_info "experiment: $phase, $mode"
      exp_run "$phase-$mode" "$raw" --url "$([[ $mode == sync ]] && exp_storage_url || storage_url)" \
        --mode "$mode" --tag "$tag-$phase-$mode" --count "$count" --rate "$rate" --distribution poisson \
        --seed "$seed" --concurrency 512 --poll-interval-ms 200 --timeout 900 --http-timeout-ms 600000
    done
    [[ "$llm" == llama ]] || exp_stub_faults '{"rate_503":0,"rate_429":0,"rate_402":0,"hang_rate":0}'
  done
  qf_stop storage-exp 30 >&2
  exp_tables sync-vs-async --raw "$raw" --out "$out" --llm "$llm" --rate "$rate" --seconds "$seconds" \
    --workers "$workers" --faults "503: $f503, 402: $f402 (Retry-After ${retry_after} s)"
}

# exp_redis_cli ARGS...: redis-cli on the cache experiment's Redis.
exp_redis_cli() { redis-cli -h 127.0.0.1 -p "$(exp_redis_port)" "$@"; }
exp_redis_used() { exp_redis_cli INFO memory | tr -d '\r' | awk -F: '$1 == "used_memory" {print $2}'; }

exp_cache() {
  local questions=200 sends=3000 zipf=1.0 llm=stub out="$QAFLOW_VAR/experiments" sizes="5 10 20 40"
  while (($# > 0)); do
    exp_need_value "$1" "${2:-}"
    case "$1" in
      --questions) questions="$2" ;;
      --sends) sends="$2" ;;
      --zipf-s) zipf="$2" ;;
      --llm) llm="$2" ;;
      --out) out="$2" ;;
      --sizes) sizes="$2" ;;
      *) qf_die "experiment cache: unknown option $1 (see ./qaflow experiment help)" ;;
    esac
    shift 2
  done
  out="$(realpath -m "$out")"
  local raw="$out/cache" tag seed port
  mkdir -p "$raw"
  tag="exp-cache-$(date -u +%Y%m%dT%H%M%S)"
  seed="$(date +%s)"
  port="$(exp_redis_port)"
  exp_up "$llm" postgres redis scorer llm
  qf_stop redis-exp 10 >&2
  qf_port_open "$port" && qf_die "experiment: port $port is taken (set QAFLOW_EXPERIMENT_REDIS_PORT)"
  qf_spawn redis-exp redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --maxmemory 0
  qf_wait_for "experiment Redis" 30 exp_redis_cli PING || qf_die "experiment: Redis on port $port did not start"
  # No in-process cache in front of Redis: every lookup is Redis's hit or miss.
  exp_storage_start "127.0.0.1:$port" --sync-workers 4 --local-cache 0
  local url; url="$(exp_storage_url)"
  qf_info "experiment cache: answering $questions questions once (sync mode) so every later request is served at once"
  exp_run warmup "$raw" --url "$url" --mode sync --count "$questions" --tag "$tag" --rate 0 --concurrency 4 \
    --timeout 900 --http-timeout-ms 600000
  local done_n; done_n="$(jq -r .completed "$raw/warmup.json")"
  ((done_n == questions)) || qf_die "experiment: only $done_n of $questions questions were answered (see $raw/warmup.json)"
  # The size of one cached result: fill an unlimited, empty Redis with all of them.
  exp_redis_cli FLUSHALL >/dev/null
  local used0 used1
  used0="$(exp_redis_used)"
  exp_run fill "$raw" --url "$url" --count "$questions" --tag "$tag" --rate 0 --concurrency 4 --no-wait
  used1="$(exp_redis_used)"
  printf 'questions %s\nbaseline_bytes %s\nfull_bytes %s\n' "$questions" "$used0" "$used1" >"$raw/sizes.txt"
  local policy pct max
  for policy in allkeys-lru allkeys-lfu; do
    for pct in $sizes; do
      max=$((used0 + (used1 - used0) * pct / 100))
      exp_redis_cli FLUSHALL >/dev/null
      exp_redis_cli CONFIG SET maxmemory-policy "$policy" >/dev/null
      exp_redis_cli CONFIG SET maxmemory "$max" >/dev/null
      exp_redis_cli CONFIG RESETSTAT >/dev/null
      qf_info "experiment cache: $policy, maxmemory $max bytes ($pct % of the results)"
      exp_run "$policy-$pct" "$raw" --url "$url" --select zipf --zipf-s "$zipf" --pool "$questions" \
        --count "$sends" --tag "$tag" --seed "$seed" --rate 0 --concurrency 4 --no-wait
      exp_redis_cli INFO stats | tr -d '\r' | grep -E '^(keyspace_hits|keyspace_misses|evicted_keys):' \
        >"$raw/$policy-$pct.redis"
      printf 'maxmemory:%s\n' "$max" >>"$raw/$policy-$pct.redis"
    done
  done
  qf_stop storage-exp 30 >&2
  qf_stop redis-exp 10 >&2
  exp_tables cache --raw "$raw" --out "$out" --zipf-s "$zipf" --sends "$sends"
}

exp_threshold() {
  local dataset="" questions=40 gain=0.85 apply=0 llm=auto out="$QAFLOW_VAR/experiments" workers=2
  while (($# > 0)); do
    if [[ "$1" == --apply ]]; then apply=1; shift; continue; fi
    exp_need_value "$1" "${2:-}"
    case "$1" in
      --dataset) dataset="$2" ;;
      --questions) questions="$2" ;;
      --gain-share) gain="$2" ;;
      --llm) llm="$2" ;;
      --out) out="$2" ;;
      --workers) workers="$2" ;;
      *) qf_die "experiment threshold: unknown option $1 (see ./qaflow experiment help)" ;;
    esac
    shift 2
  done
  [[ -z "$dataset" || -r "$dataset" ]] || qf_die "experiment threshold: cannot read $dataset"
  [[ -z "$dataset" ]] || dataset="$(realpath "$dataset")"
  out="$(realpath -m "$out")"
  local raw="$out/threshold"
  mkdir -p "$raw"
  if [[ "$llm" == auto ]]; then
    export QAFLOW_LLM=auto
    cmd_up postgres redis scorer llm >&2
    exp_llm_env
  else
    exp_up "$llm" postgres redis scorer llm
  fi
  exp_storage_start "$(qf_redis_addr)" --sync-workers "$workers"
  qf_info "experiment threshold: $questions questions of ${dataset:-the default dataset}, each answered by the LLM ($QAFLOW_LLM_MODE, $QAFLOW_LLM_MODEL) until the regeneration cap and every answer scored; the question text is sent as a user would send it"
  local -a ds=()
  [[ -n "$dataset" ]] && ds=(--dataset "$dataset")
  exp_run calibration "$raw" --url "$(exp_storage_url)" --mode sync --attempts-all "${ds[@]}" --shuffle \
    --seed "$(date +%s)" --count "$questions" --rate 0 --concurrency "$workers" --timeout 86400 \
    --http-timeout-ms 600000
  qf_stop storage-exp 30 >&2
  # The ScoreJob's routing replayed per threshold: bench/flink/threshold.sql over these scores only
  # (a temporary "attempts" table shadows the real one in this psql session).
  local cap
  cap="$(jq -r 'select(.attempt_scores) | .attempt_scores | length' "$raw/calibration.results.jsonl" | sort -n | tail -1)"
  [[ -n "$cap" ]] || qf_die "experiment threshold: no question was answered (see $raw/calibration.json)"
  cap=$((cap - 1))
  jq -r 'select(.attempt_scores) | .question_id as $q | .attempt_scores | to_entries[] |
         select(.value != null) | [$q, (.key + 1), .value] | @csv' "$raw/calibration.results.jsonl" >"$raw/scores.csv"
  {
    printf 'CREATE TEMP TABLE attempts (question_id text, attempt_no int, bert_score double precision);\n'
    printf '\\copy attempts FROM %s WITH (FORMAT csv)\n' "'$raw/scores.csv'"
    cat "$QAFLOW_ROOT/bench/flink/threshold.sql"
  } | cmd_psql -X -q --csv -v cap="$cap" -f - >"$raw/sweep.csv" || qf_die "experiment threshold: the replay failed"
  exp_tables threshold --raw "$raw" --out "$out" --gain-share "$gain"
  local t
  t="$(cat "$raw/recommended")"
  if ((apply)); then
    local f="$QAFLOW_VAR/settings.env"
    touch "$f"
    grep -v '^export QAFLOW_SCOREJOB_THRESHOLD=' "$f" >"$f.tmp" || true
    printf 'export QAFLOW_SCOREJOB_THRESHOLD=%s\n' "$t" >>"$f.tmp"
    mv "$f.tmp" "$f"
    qf_info "threshold $t written to $f: it takes effect when the ScoreJob and storage start again (./qaflow down flink storage && ./qaflow up)"
  else
    qf_info "to use it: ./qaflow experiment threshold ... --apply, or QAFLOW_SCOREJOB_THRESHOLD=$t in the environment of ./qaflow up"
  fi
}
