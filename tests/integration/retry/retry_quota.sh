#!/usr/bin/env bash
# retry_quota.sh -- 402 from the LLM: re-sent after Retry-After when given, else the fixed delay;
# at most 5 retries, then questions-failed.
. "$(dirname "$0")/retry_lib.sh"

start_stub
stub_admin POST /admin/script "{\"match\":\"quota-$RUN\",\"responses\":[{\"status\":402,\"retry_after_s\":3},{\"status\":402},{\"status\":200,\"answer\":\"Finally answered.\"}]}" >/dev/null
start_worker w1
start_retry r1 quota --fixed-delay-s 2
wait_assigned w1 3 60
wait_assigned r1 2 60
id="q_qu$RUN"
produce "$T_PENDING" "$id" "$(q_json "$id" "Question quota-$RUN?" "ref")"
# an error message that has used up its 5 retries goes straight to questions-failed
produce "$T_QUOTA" "q_qx$RUN" "$(e_json "q_qx$RUN" 5 quota 1)"
wait_lines "$T_SUCCESS" "$id" 1 60
wait_lines "$T_FAILED" "q_qx$RUN" 1 30

consume "$T_QUOTA" >"$T_DIR/err.tsv"
consume "$T_PENDING" >"$T_DIR/pend.tsv"
check_delay "Retry-After 3 s" "$(delay_of "$T_DIR/err.tsv" "$T_DIR/pend.tsv" "$id" 0)" 3000
check_delay "fixed delay 2 s" "$(delay_of "$T_DIR/err.tsv" "$T_DIR/pend.tsv" "$id" 1)" 2000
consume "$T_SUCCESS" | grep "$id" | grep -q 'Finally answered' || t_fail "no answer after the retries"
t_check "success carries error_retries 2" jq -e '.error_retries == 2' <<<"$(consume "$T_SUCCESS" | awk -F'\t' -v k="$id" '$2 == k {print $3}')" >/dev/null
msg=$(consume "$T_FAILED" | awk -F'\t' -v k="q_qx$RUN" '$2 == k {print $3}')
t_check "quota dead letter: $msg" jq -e '.stage == "retry" and .error_retries == 5 and (.reason | test("quota"))' <<<"$msg" >/dev/null
rows=$(psql_q "SELECT question_id = '$id', error_type, error_retries, coalesce(delay_applied_ms::text, 'null')
               FROM llm_errors WHERE question_id IN ('$id', 'q_qx$RUN') ORDER BY 1 DESC, 3" | tr '\t\n' ' |')
[[ $rows == "t quota 0 3000|t quota 1 2000|f quota 5 null|" ]] || t_fail "llm_errors rows: $rows"
t_pass
