#!/usr/bin/env bash
# llm_openai.sh -- the OpenAI-compatible backend, both endpoints (/v1/completions for base
# models, /v1/chat/completions), against the stub; errors in OpenAI's shape are classified too.
. "$(dirname "$0")/lib.sh"

start_stub
stub_admin POST /admin/script "{\"match\":\"oai-quota-$RUN\",\"responses\":[{\"status\":429,\"retry_after_s\":4}]}" >/dev/null
start_worker wc --backend openai --openai-endpoint completions --llm-url "$STUB/v1" --model gemma-test
wait_assigned wc 3 60
produce "$T_PENDING" "q_oc$RUN" "$(q_json "q_oc$RUN" "Completions question of $RUN?" "ref")"
wait_lines "$T_SUCCESS" "q_oc$RUN" 1 30
stop_proc wc
start_worker wh --backend openai --openai-endpoint chat --llm-url "$STUB" --model chat-test
wait_assigned wh 3 60
produce "$T_PENDING" "q_oh$RUN" "$(q_json "q_oh$RUN" "Chat question of $RUN?" "ref")"
produce "$T_PENDING" "q_oq$RUN" "$(q_json "q_oq$RUN" "Question oai-quota-$RUN?" "ref")"
wait_lines "$T_SUCCESS" "q_oh$RUN" 1 30
wait_lines "$T_OVERLOAD" "q_oq$RUN" 1 30

stub_admin GET /admin/requests >"$T_DIR/requests.json"
t_check "completions request" jq -e --arg r "$RUN" 'any(.requests[]; .path == "/v1/completions" and .model == "gemma-test"
  and (.prompt | contains("Completions question of " + $r)))' "$T_DIR/requests.json" >/dev/null
t_check "chat request" jq -e --arg r "$RUN" 'any(.requests[]; .path == "/v1/chat/completions" and .model == "chat-test"
  and (.prompt | contains("Chat question of " + $r)))' "$T_DIR/requests.json" >/dev/null
for id in "q_oc$RUN:gemma-test" "q_oh$RUN:chat-test"; do
  msg=$(consume "$T_SUCCESS" | awk -F'\t' -v k="${id%%:*}" '$2 == k {print $3}' | head -1)
  t_check "${id%%:*}: $msg" jq -e --arg m "${id#*:}" '.model == $m and (.llm_response | length > 0)' <<<"$msg" >/dev/null
done
# a plain 429 (rate limit, no quota wording) is overload, with the Retry-After carried
msg=$(consume "$T_OVERLOAD" | awk -F'\t' -v k="q_oq$RUN" '$2 == k {print $3}' | head -1)
t_check "429: $msg" jq -e '.http_status == 429 and .retry_after_s == 4 and .error_type == "overload"' <<<"$msg" >/dev/null
t_pass
