#!/usr/bin/env bash
# llm_fatal.sh -- what retrying cannot fix goes to questions-failed at once (stage llm, reason,
# http_status); overload/quota statuses go to their error topics with error_retries copied; a 200 with
# an empty answer is an answer (llm-responses-success with llm_response ""), asked once.
. "$(dirname "$0")/lib.sh"

start_stub
for c in "404:{\"status\":404}" "400:{\"status\":400}" "401:{\"status\":401}" "empty:{\"status\":200,\"answer\":\"\"}" \
         "503:{\"status\":503}" "429:{\"status\":429,\"retry_after_s\":7}" "402:{\"status\":402,\"retry_after_s\":9}" "402b:{\"status\":402}"; do
  tag=${c%%:*}; resp=${c#*:}
  stub_admin POST /admin/script "{\"match\":\"case-$tag-$RUN\",\"responses\":[$resp]}" >/dev/null
done
start_worker w1
wait_assigned w1 3 60
t0=$SECONDS
for tag in 404 400 401 empty 503 429 402 402b; do
  produce "$T_PENDING" "q_f${RUN}_$tag" "$(q_json "q_f${RUN}_$tag" "Question case-$tag-$RUN?" "ref" 1 2 4)"
done
wait_lines "$T_FAILED" "q_f${RUN}_" 3 60
wait_lines "$T_SUCCESS" "q_f${RUN}_" 1 60
wait_lines "$T_OVERLOAD" "q_f${RUN}_" 2 60
wait_lines "$T_QUOTA" "q_f${RUN}_" 2 60

consume "$T_FAILED" >"$T_DIR/failed.tsv"
for pair in 404:404 400:400 401:401; do
  tag=${pair%%:*}; st=${pair#*:}
  msg=$(awk -F'\t' -v k="q_f${RUN}_$tag" '$2 == k {print $3}' "$T_DIR/failed.tsv" | head -1)
  [[ -n $msg ]] || t_fail "no dead letter for $tag"
  t_check "dead letter $tag: $msg" jq -e --argjson st "$st" '.stage == "llm" and .http_status == $st and
    (.reason | length > 10) and .retry_count == 1 and .error_retries == 2 and .created_at != null and .run == 4' <<<"$msg" >/dev/null
done
t_check "empty answer: no dead letter" bash -c "! grep -q 'q_f${RUN}_empty' '$T_DIR/failed.tsv'"
msg=$(consume "$T_SUCCESS" | awk -F'\t' -v k="q_f${RUN}_empty" '$2 == k {print $3}' | head -1)
t_check "empty answer: on llm-responses-success with llm_response \"\": $msg" \
  jq -e '.llm_response == "" and .retry_count == 1 and .error_retries == 2 and .run == 4' <<<"$msg" >/dev/null
# asked once each: a fatal error is not retried by the worker, an empty answer is not retried either
for tag in 404 400 401 empty; do
  n=$(stub_admin GET /admin/requests | jq --arg m "case-$tag-$RUN" '[.requests[] | select(.prompt | contains($m))] | length')
  ((n == 1)) || t_fail "$tag asked $n times, expected once"
done
consume "$T_OVERLOAD" >"$T_DIR/overload.tsv"
consume "$T_QUOTA" >"$T_DIR/quota.tsv"
m503=$(awk -F'\t' -v k="q_f${RUN}_503" '$2 == k {print $3}' "$T_DIR/overload.tsv")
m429=$(awk -F'\t' -v k="q_f${RUN}_429" '$2 == k {print $3}' "$T_DIR/overload.tsv")
m402=$(awk -F'\t' -v k="q_f${RUN}_402" '$2 == k {print $3}' "$T_DIR/quota.tsv")
m402b=$(awk -F'\t' -v k="q_f${RUN}_402b" '$2 == k {print $3}' "$T_DIR/quota.tsv")
t_check "503 message: $m503" jq -e '.error_type == "overload" and .http_status == 503 and .error_retries == 2 and
  .retry_count == 1 and .question_text != null and .original_answer == "ref" and (has("retry_after_s") | not)' <<<"$m503" >/dev/null
t_check "429 message: $m429" jq -e '.error_type == "overload" and .http_status == 429 and .retry_after_s == 7' <<<"$m429" >/dev/null
t_check "402 message: $m402" jq -e '.error_type == "quota" and .http_status == 402 and .retry_after_s == 9 and .error_retries == 2' <<<"$m402" >/dev/null
t_check "402 without Retry-After: $m402b" jq -e '.error_type == "quota" and (has("retry_after_s") | not)' <<<"$m402b" >/dev/null
# of these only the empty answer went to success
n=$(consume "$T_SUCCESS" | grep "q_f${RUN}_" | grep -vc "q_f${RUN}_empty" || true)
((n == 0)) || t_fail "$n failed question(s) reached llm-responses-success"
t_log "all classified in $((SECONDS - t0)) s"
t_pass
