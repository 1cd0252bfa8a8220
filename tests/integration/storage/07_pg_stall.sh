#!/usr/bin/env bash
# 07_pg_stall.sh -- PostgreSQL stops answering (SIGSTOP of the whole cluster: a stall, not a refusal):
# /health answers 503 "postgresql down" within about a second, also to many concurrent checks; a POST that
# needs the database answers 503 within the PostgreSQL timeout instead of hanging; once PostgreSQL answers
# again everything recovers without a restart. Registered RUN_SERIAL (it freezes the shared test cluster).
source "$(dirname "$0")/lib.sh"
require_env
pid_file="${QAFLOW_TEST_VAR:-}/run/postgres.pid"
[[ -f "$pid_file" ]] || fail "PostgreSQL pid file not found ($pid_file): is QAFLOW_TEST_VAR set?"
root="$(cat "$pid_file")"
# tree PID: PID and all its descendants (the postmaster's backends serve the existing connections)
tree() { local p; echo "$1"; for p in $(pgrep -P "$1"); do tree "$p"; done; }
frozen=()
thaw() { ((${#frozen[@]})) && kill -CONT "${frozen[@]}" 2>/dev/null || true; frozen=(); }
trap 'thaw; cleanup' EXIT
trap 'thaw; exit 1' TERM INT

start_storage pgstall $((QAFLOW_TEST_PORT_BASE + 145)) --pg-timeout-ms 3000
post_query "$(unique 'Asked before the stall?')" "Yes."; expect_code 202 "POST before the stall"
http GET "$STORAGE_URL/health"; expect_code 200 "health before the stall"

mapfile -t frozen < <(tree "$root")
note "freezing PostgreSQL (${#frozen[@]} processes)"
kill -STOP "${frozen[@]}"

t0=$(date +%s%N)
code=$(curl -s -m 5 -o "$TMPDIR_T/h1" -w '%{http_code}' "$STORAGE_URL/health" || true)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[[ "$code" == 503 ]] && jq -e '.dependencies.postgresql.status == "down"' "$TMPDIR_T/h1" >/dev/null \
  || fail "health while PostgreSQL is frozen: $code $(cat "$TMPDIR_T/h1" 2>/dev/null) after $ms ms"
((ms < 2000)) || fail "health took $ms ms while PostgreSQL is frozen (bound: about 1 s)"
note "health: 503 postgresql down in $ms ms"

note "a POST that needs the database, and 20 concurrent health checks meanwhile"
t0=$(date +%s%N)
curl -s -m 20 -o "$TMPDIR_T/p" -w '%{http_code}' -H 'Content-Type: application/json' \
  -d "$(jq -nc --arg q "$(unique 'Asked during the stall?')" '{question_text: $q, original_answer: "No."}')" \
  "$STORAGE_URL/query" >"$TMPDIR_T/pcode" &
post=$!
checks=()
for i in $(seq 20); do
  curl -s -m 5 -o /dev/null -w '%{http_code} %{time_total}\n' "$STORAGE_URL/health" >"$TMPDIR_T/hc.$i" &
  checks+=($!)
done
wait $post || true
pms=$(( ($(date +%s%N) - t0) / 1000000 ))
wait "${checks[@]}" || true
[[ "$(cat "$TMPDIR_T/pcode")" == 503 ]] || fail "POST during the stall: $(cat "$TMPDIR_T/pcode") $(cat "$TMPDIR_T/p") after $pms ms"
((pms < 10000)) || fail "POST during the stall took $pms ms (PostgreSQL timeout 3000 ms)"
slow=$(cat "$TMPDIR_T"/hc.* | awk '$1 != 503 || $2 > 2.0' | wc -l)
((slow == 0)) || fail "$slow of 20 concurrent health checks were not a 503 within 2 s: $(cat "$TMPDIR_T"/hc.* | tr '\n' ' ')"
note "POST: 503 in $pms ms; 20 concurrent health checks: 503 each within 2 s"

thaw
note "PostgreSQL answers again: recovery without a restart"
for ((i = 0; i < 60; i++)); do
  http GET "$STORAGE_URL/health"
  [[ "$HTTP_CODE" == 200 ]] && break
  sleep 0.5
done
expect_code 200 "health after the stall"
post_query "$(unique 'Asked after the stall?')" "Yes."; expect_code 202 "POST after the stall"
kill -0 "$STORAGE_PID" 2>/dev/null || fail "storage exited"
echo PASS
