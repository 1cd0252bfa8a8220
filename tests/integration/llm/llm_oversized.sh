#!/usr/bin/env bash
# llm_oversized.sh -- the worker enforces its cap on the LLM's answer itself: a chunked 5 MiB answer (no
# Content-Length to refuse it by) is cut at 4 MiB and reported as an LLM error with the reason, and the
# worker keeps going.
. "$(dirname "$0")/lib.sh"

python3 "$(dirname "$0")/chunked_llm.py" "$T_DIR/port" >"$T_DIR/chunked.log" 2>&1 &
PID_OF[chunked]=$!
for _ in $(seq 50); do [[ -s "$T_DIR/port" ]] && break; sleep 0.1; done
[[ -s "$T_DIR/port" ]] || t_fail "the chunked LLM did not start"
STUB="http://127.0.0.1:$(cat "$T_DIR/port")"
start_worker w1
wait_assigned w1 3 60
produce "$T_PENDING" "q_big$RUN" "$(q_json "q_big$RUN" "A huge answer $RUN?" "ref")"
wait_lines "$T_OVERLOAD" "q_big$RUN" 1 60
msg=$(consume "$T_OVERLOAD" | awk -F'\t' -v k="q_big$RUN" '$2 == k {print $3}' | head -1)
t_check "cut at the cap, with the reason: $msg" jq -e '.error_message | test("larger than 4194304 bytes")' <<<"$msg" >/dev/null
kill -0 "${PID_OF[w1]}" || t_fail "worker exited"
t_pass
