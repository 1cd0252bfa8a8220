#!/usr/bin/env bash
# retry_overload.sh -- 503/429 from the LLM: re-sent after 1, 2, 4 s (from the error message's
# timestamp) with error_retries+1, then questions-failed; one llm_errors row per event.
. "$(dirname "$0")/retry_lib.sh"

start_stub
stub_admin POST /admin/script "{\"match\":\"overload-$RUN\",\"responses\":[{\"status\":503},{\"status\":503},{\"status\":429},{\"status\":503}]}" >/dev/null
start_worker w1
start_retry r1 overload
wait_assigned w1 3 60
wait_assigned r1 2 60
id="q_ov$RUN"
produce "$T_PENDING" "$id" "$(q_json "$id" "Question overload-$RUN?" "ref" 1 0 3)"
wait_lines "$T_FAILED" "$id" 1 60

consume "$T_OVERLOAD" >"$T_DIR/err.tsv"
consume "$T_PENDING" >"$T_DIR/pend.tsv"
n=$(grep -c "$id" "$T_DIR/err.tsv")
((n == 4)) || t_fail "$n overload messages, expected 4 (first attempt + 3 retries)"
for er in 0 1 2; do
  check_delay "retry $((er + 1))" "$(delay_of "$T_DIR/err.tsv" "$T_DIR/pend.tsv" "$id" $er)" $((1000 << er))
done
# forwarded questions keep retry_count (quality regenerations) and count error_retries up
t_check "forwarded fields" bash -c "grep '$id' '$T_DIR/pend.tsv' | cut -f3 | jq -s -e '
  map(.error_retries) == [0,1,2,3] and all(.retry_count == 1) and all(.original_answer == \"ref\") and all(.run == 3)' >/dev/null"
t_check "overload messages carry the run" bash -c "grep '$id' '$T_DIR/err.tsv' | cut -f3 | jq -s -e 'all(.run == 3)' >/dev/null"
msg=$(consume "$T_FAILED" | awk -F'\t' -v k="$id" '$2 == k {print $3}')
t_check "dead letter: $msg" jq -e '.stage == "retry" and .error_retries == 3 and .retry_count == 1 and .run == 3 and
  .http_status == 503 and (.reason | test("3 retries"))' <<<"$msg" >/dev/null
rows=$(psql_q "SELECT error_type, http_status, error_retries, coalesce(delay_applied_ms::text, 'null'), retry_count
               FROM llm_errors WHERE question_id = '$id' AND run = 3 ORDER BY error_retries" | tr '\t\n' ' |')
t_log "llm_errors: $rows"
[[ $rows == "overload 503 0 1000 1|overload 503 1 2000 1|overload 429 2 4000 1|overload 503 3 null 1|" ]] ||
  t_fail "llm_errors rows: $rows"
t_pass
