#!/usr/bin/env bash
# bench/storage/run.sh -- wrk load on qaflow-storage: cached GET /status and POST /query of new questions.
# Usage: eval "$(./qaflow test-stack env)"; bench/storage/run.sh [BUILD_DIR]
# Settings (env): DURATION (s, default 20), CONNS (default 128), WRK_THREADS (default 2),
#   HTTP_THREADS (qaflow-storage --http-threads, default 64), DB_POOL (--db-pool, default 64), PORT (default QAFLOW_TEST_PORT_BASE+140),
#   ONLY_GET=1 (skip the POST scenario), STORAGE_FLAGS (extra qaflow-storage flags, e.g. "--no-relay" to see the relay's share).
# Prints wrk's report per scenario and the CPU seconds each process spent, so the cost of one
# request (CPU µs/request) can be read even on a machine busy with other work.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build}"
bin="$build/bin/qaflow-storage"
[[ -x "$bin" ]] || { echo "no $bin: build first" >&2; exit 1; }
for v in QAFLOW_TEST_KAFKA QAFLOW_TEST_PG_DSN QAFLOW_TEST_REDIS QAFLOW_TEST_PORT_BASE; do
  [[ -n "${!v:-}" ]] || { echo "$v not set: eval \"\$(./qaflow test-stack env)\"" >&2; exit 1; }
done
DURATION="${DURATION:-20}"; CONNS="${CONNS:-128}"; WRK_THREADS="${WRK_THREADS:-2}"
HTTP_THREADS="${HTTP_THREADS:-64}"; PORT="${PORT:-$((QAFLOW_TEST_PORT_BASE + 140))}"
url="http://127.0.0.1:$PORT"
log="$(mktemp /tmp/qaflow-bench-storage.XXXXXX.log)"

"$bin" --port "$PORT" --brokers "$QAFLOW_TEST_KAFKA" --pg-dsn "$QAFLOW_TEST_PG_DSN" --redis "$QAFLOW_TEST_REDIS" \
  --http-threads "$HTTP_THREADS" --db-pool "${DB_POOL:-64}" --redis-pool "${DB_POOL:-64}" --group "bench-$$" --log-level warn ${STORAGE_FLAGS:-} >"$log" 2>&1 &
spid=$!
trap 'kill $spid 2>/dev/null; wait $spid 2>/dev/null; rm -f "$log"' EXIT
for ((i = 0; i < 100; i++)); do curl -s -o /dev/null "$url/health" && break; sleep 0.2; done

# cpu_of PID: utime+stime in clock ticks
cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# pid listening on a TCP port (the test stack's own servers, not other stacks')
listener() { ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
pg_master="$(listener "$(sed -E 's|.*:([0-9]+)/.*|\1|' <<<"$QAFLOW_TEST_PG_DSN")")"
pg_pids() { [[ -n "$pg_master" ]] && echo "$pg_master $(pgrep -d' ' -P "$pg_master")"; }
cpu_sum() { local s=0 p; for p in "$@"; do s=$((s + $(cpu_of "$p"))); done; echo "$s"; }
hz="$(getconf CLK_TCK)"
redis_pid="$(listener "${QAFLOW_TEST_REDIS##*:}")"

scenario() {
  local name="$1"; shift
  echo "=== $name: wrk -t$WRK_THREADS -c$CONNS -d${DURATION}s $* (qaflow-storage --http-threads $HTTP_THREADS)"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  local pgs; pgs="$(pg_pids)"
  local s0 r0 p0 t0 out u0 k0
  s0=$(cpu_of "$spid"); r0=$(cpu_of "${redis_pid:-0}"); p0=$(cpu_sum $pgs); t0=$(date +%s.%N)
  read -r u0 k0 < <(awk '{print $14, $15}' "/proc/$spid/stat")
  out="$(wrk -t"$WRK_THREADS" -c"$CONNS" -d"${DURATION}s" --latency "$@")"
  local s1 r1 p1 t1 reqs u1 k1
  s1=$(cpu_of "$spid"); r1=$(cpu_of "${redis_pid:-0}"); p1=$(cpu_sum $pgs); t1=$(date +%s.%N)
  read -r u1 k1 < <(awk '{print $14, $15}' "/proc/$spid/stat")
  echo "$out"
  reqs="$(awk '/requests in/ {print $1}' <<<"$out")"
  awk -v s=$((s1 - s0)) -v r=$((r1 - r0)) -v p=$((p1 - p0)) -v hz="$hz" -v n="$reqs" -v w="$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" 'BEGIN {
    printf "cpu seconds: qaflow-storage %.2f, redis %.2f, postgres %.2f over %.1f s wall\n", s/hz, r/hz, p/hz, w;
    if (n > 0) printf "cpu us/request: qaflow-storage %.1f, redis %.1f, postgres %.1f\n", 1e6*s/hz/n, 1e6*r/hz/n, 1e6*p/hz/n }'
  awk -v u=$((u1 - u0)) -v k=$((k1 - k0)) -v hz="$hz" -v n="$reqs" 'BEGIN {
    if (n > 0) printf "qaflow-storage cpu us/request split: user %.1f, kernel %.1f\n", 1e6*u/hz/n, 1e6*k/hz/n }'
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# a completed question to read: ask it, then produce its validated-responses message
text="bench cached question $$ $(date +%s%N)"
qid="$(curl -s -X POST "$url/query" -H 'Content-Type: application/json' \
  -d "{\"question_text\":\"$text\",\"original_answer\":\"a reference answer\"}" | jq -r .question_id)"
now="$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)"
printf '%s\t{"question_id":"%s","question_text":"%s","llm_response":"an answer","original_answer":"a reference answer","bert_score":0.8,"processing_attempts":1,"total_processing_time_ms":100,"timestamp":"%s"}\n' \
  "$qid" "$qid" "$text" "$now" | kcat -b "$QAFLOW_TEST_KAFKA" -P -X partitioner=murmur2_random -t validated-responses -K $'\t'
for ((i = 0; i < 120; i++)); do
  [[ "$(curl -s "$url/status/$qid" | jq -r .source)" == cache ]] && break
  sleep 0.5
done

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB"
QID="$qid" scenario "GET /status (cached)" -s "$root/bench/storage/status_cached.lua" "$url/status/$qid"
CONNS=16 QID="$qid" scenario "GET /status (cached), 16 connections" -s "$root/bench/storage/status_cached.lua" "$url/status/$qid"
[[ -n "${ONLY_GET:-}" ]] && exit 0
RUN="$$-$(date +%s)" scenario "POST /query (new questions)" -s "$root/bench/storage/post_new.lua" "$url/query"
echo "outbox rows still unsent right after the POST run: $(psql "$QAFLOW_TEST_PG_DSN" -X -t -A -c 'SELECT count(*) FROM outbox WHERE sent_at IS NULL')"
