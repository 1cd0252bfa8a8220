# bench/pipeline/lib.sh: what both modes of bench/pipeline/run.sh share (sourced with ROOT, HERE, RUN set, cwd = ROOT):
# the stack's addresses, the run's output folder, logging, completion polling, CPU snapshots, sending questions.
STORAGE="http://127.0.0.1:${QAFLOW_STORAGE_PORT:-5001}"
SCORER_PORT="${QAFLOW_SCORER_PORT:-5002}"
BIN="${QAFLOW_BIN_DIR:-$ROOT/build/bin}"
SAMPLE="$ROOT/dataset/sample.csv"
VAR="${QAFLOW_VAR:-$ROOT/var}"
TCONC="${TRAFFIC_CONCURRENCY:-32}"
# shellcheck source=/dev/null
source "$VAR/run/llm.env"   # QAFLOW_LLM_MODE, QAFLOW_LLM_URL, ... of the LLM the stack's workers use
OUT="$VAR/bench-pipeline/$RUN"
mkdir -p "$OUT"
log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$OUT/log" >&2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
sql() { ./qaflow psql -X -q -v prefix="$1" -f "$2"; }   # PREFIX FILE: the questions whose text starts with PREFIX
done_total() { # questions completed or failed, all tags (storage's /metrics: one curl, no psql or python,
  # so the polling costs the scorer no CPU worth counting)
  local m c f
  m="$(curl -sf "$STORAGE/metrics")" || { echo 0; return; }
  c="$(sed -n 's/.*"questions":{[^}]*"completed":\([0-9]*\).*/\1/p' <<<"$m")"
  f="$(sed -n 's/.*"questions":{[^}]*"failed":\([0-9]*\).*/\1/p' <<<"$m")"
  echo $((${c:-0} + ${f:-0}))
}
completed() { # completed (or failed) questions whose tag starts with $1, from PostgreSQL
  ./qaflow psql -X -q -t -A -v prefix="[$1" \
    <<<"SELECT count(*) FROM questions WHERE starts_with(question_text, :'prefix') AND status <> 'pending';"
}
wait_done() { # TAG N BASE: until N questions of TAG are done (storage counter >= BASE+N, then
  # checked in PostgreSQL), at most WAIT_LIMIT s; polling is light so it does not steal the scorer's CPU
  local deadline=$((SECONDS + WAIT_LIMIT)) c
  until (($(done_total) >= $3 + $2)); do
    ((SECONDS < deadline)) || break
    sleep 0.5
  done
  until c="$(completed "$1")"; ((c >= $2)); do
    ((SECONDS < deadline)) || { log "timeout: $c/$2 of $1 done"; return 1; }
    sleep 1
  done
}
cpu() { python3 "$HERE/cpu.py" snap "$VAR/run" >"$OUT/cpu.$1"; }
cpu_diff() { python3 "$HERE/cpu.py" diff "$OUT/cpu.$1" "$OUT/cpu.$2"; }
send() { # TAG N RATE
  "$BIN/qaflow-traffic" --url "$STORAGE" --dataset "$SAMPLE" --tag "$1" --count "$2" --rate "$3" \
    --concurrency "$TCONC" --no-wait --json --log-level warn >"$OUT/$1.traffic.json"
}

