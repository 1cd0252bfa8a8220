#!/usr/bin/env bash
# llm_malformed.sh -- malformed messages on questions-pending are dead-lettered with a reason
# (keyed by their key, or "unknown") and the worker keeps going.
. "$(dirname "$0")/lib.sh"

start_stub
start_worker w1 --concurrency 2
wait_assigned w1 3 60
produce "$T_PENDING" "q_bad${RUN}_json" '{"question_id": "oops'
produce "$T_PENDING" "q_bad${RUN}_field" '{"question_id":"q_x","retry_count":0}'
produce "$T_PENDING" "q_bad${RUN}_type" "{\"question_id\":\"q_bad${RUN}_type\",\"question_text\":42,\"original_answer\":\"a\",\"retry_count\":0,\"timestamp\":\"2025-10-28T10:30:00.000Z\"}"
printf 'not json at all, and no key\n' | kcat -P -b "$K" -t "$T_PENDING" -p 0
produce "$T_PENDING" "q_ok${RUN}" "$(q_json "q_ok${RUN}" "Is the worker still alive after garbage $RUN?" "yes")"

wait_lines "$T_SUCCESS" "q_ok${RUN}" 1 60
wait_lines "$T_FAILED" "malformed" 4 60
consume "$T_FAILED" >"$T_DIR/failed.tsv"
for k in "q_bad${RUN}_json" "q_bad${RUN}_field" "q_bad${RUN}_type" unknown; do
  msg=$(awk -F'\t' -v k="$k" '$2 == k {print $3}' "$T_DIR/failed.tsv" | head -1)
  [[ -n $msg ]] || t_fail "no dead letter keyed $k"
  t_check "$k: $msg" jq -e --arg k "$k" '.question_id == $k and .stage == "llm" and
    (.reason | startswith("malformed message"))' <<<"$msg" >/dev/null
done
t_check "missing field named" grep -q "question_text" <<<"$(awk -F'\t' -v k="q_bad${RUN}_field" '$2 == k {print $3}' "$T_DIR/failed.tsv")"
kill -0 "${PID_OF[w1]}" || t_fail "worker died"
t_pass
