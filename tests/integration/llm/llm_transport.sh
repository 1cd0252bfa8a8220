#!/usr/bin/env bash
# llm_transport.sh -- no HTTP answer at all (a hung request past --timeout-s, a refused
# connection) is an overload error without http_status (there is none; a 0 would be refused by the
# decoder, 100..599), not a lost question.
. "$(dirname "$0")/lib.sh"

start_stub
stub_admin POST /admin/script "{\"match\":\"hang-$RUN\",\"responses\":[{\"hang\":true}]}" >/dev/null
start_worker w1 --timeout-s 1
wait_assigned w1 3 60
produce "$T_PENDING" "q_h$RUN" "$(q_json "q_h$RUN" "Question hang-$RUN?" "ref" 0 1)"
wait_lines "$T_OVERLOAD" "q_h$RUN" 1 30
msg=$(consume "$T_OVERLOAD" | awk -F'\t' -v k="q_h$RUN" '$2 == k {print $3}' | head -1)
t_check "timeout message: $msg" jq -e '.error_type == "overload" and (has("http_status") | not) and
  (.error_message | test("timeout")) and .error_retries == 1' <<<"$msg" >/dev/null
stop_proc w1

# a worker whose LLM refuses connections (nothing listens on port 1)
"$LLM_WORKER_BIN" --brokers "$K" --group "llmt-refused-$RUN" --topic-pending "$T_PENDING" \
  --topic-success "$T_SUCCESS" --topic-overload "$T_OVERLOAD" --topic-quota "$T_QUOTA" \
  --topic-failed "$T_FAILED" --llm-url 127.0.0.1:1 --metrics-port 0 >"$T_DIR/w2.log" 2>&1 &
PID_OF[w2]=$!
wait_assigned w2 3 60
produce "$T_PENDING" "q_r$RUN" "$(q_json "q_r$RUN" "Question refused-$RUN?" "ref")"
wait_lines "$T_OVERLOAD" "q_r$RUN" 1 30
msg=$(consume "$T_OVERLOAD" | awk -F'\t' -v k="q_r$RUN" '$2 == k {print $3}' | head -1)
t_check "refused message: $msg" jq -e '.error_type == "overload" and (has("http_status") | not) and
  (.error_message | test("refused"))' <<<"$msg" >/dev/null
t_pass
