#!/usr/bin/env bash
# 09_poison.sh -- poison on every topic the persistence consumer reads: on validated-responses and
# low-quality-responses it is dead-lettered to questions-failed (reason "malformed message on <topic>",
# stage storage, the raw value and key in headers); on questions-failed itself it is logged, counted and
# skipped (docs/reliability.md). The consumer never stops: good messages after them are persisted.
source "$(dirname "$0")/lib.sh"
require_env
start_storage poison $((QAFLOW_TEST_PORT_BASE + 147))
R="$$$RANDOM"
export LC_ALL=C # raw bytes in the headers: grep and awk must not skip invalid UTF-8
EURO=$(printf '€%.0s' $(seq 14))

# euro_json ID: a message whose timestamp is fourteen '€' (cut mid-character by a naive 40-byte cut)
euro_json() { jq -cn --arg id "$1" --arg ts "$EURO" '{question_id: $id, llm_response: "x", bert_score: 0.5,
  retry_count: 0, threshold: 0.75, reason: "r", stage: "llm", error_retries: 0, question_text: "q",
  original_answer: "a", processing_attempts: 1, total_processing_time_ms: 1, timestamp: $ts}'; }
raw() { printf '\xff%s\t\xfe{not json %s\n' "$2" "$R" | kcat -b "$QAFLOW_TEST_KAFKA" -P -t "$1" -K $'\t'; }

for t in validated-responses low-quality-responses questions-failed; do
  produce "$t" "q_p${t%%-*}$R" "$(euro_json "q_p${t%%-*}$R")"
  raw "$t" "key$R"
done

# dead letters as "key<TAB>headers<TAB>value"
dead_letters() { kcat -b "$QAFLOW_TEST_KAFKA" -C -t questions-failed -o beginning -e -q -f '%k\t%h\t%s\n' 2>/dev/null; }
for t in validated-responses low-quality-responses; do
  k="q_p${t%%-*}$R"
  msg="$(wait_messages questions-failed "$k" 1 60)" || fail "no dead letter keyed $k"
  jq -e --arg t "$t" '(.reason | startswith("malformed message on " + $t + ": ")) and (.reason | test("timestamp"))
    and .stage == "storage"' <<<"$msg" >/dev/null || fail "$t dead letter: $msg"
  dead_letters | awk -F'\t' -v k="$k" '$1 == k' | grep -q "qaflow-raw-value=.*$EURO" \
    || fail "$t: the raw value is not in the dead letter's headers"
  # the invalid bytes, keyed by an invalid id: keyed unknown, raw value and key kept
  deadline=$((SECONDS + 60))
  until dead_letters | awk -F'\t' -v t="$t" '$1 == "unknown" && index($3, "malformed message on " t)' |
        grep -q "qaflow-raw-value=.{not json $R.*qaflow-raw-key=.key$R"; do
    ((SECONDS < deadline)) || fail "$t: no dead letter keyed unknown with the raw value and key"
    sleep 1
  done
done

note "poison on questions-failed itself: logged, counted, skipped"
deadline=$((SECONDS + 60))
until grep -q "poison message on the dead-letter topic skipped.*key=q_pquestions$R" "$TMPDIR_T/poison.log"; do
  ((SECONDS < deadline)) || fail "the questions-failed poison was not reported"
  sleep 0.5
done
[[ "$(messages_for questions-failed "q_pquestions$R" | wc -l)" == 1 ]] || fail "questions-failed poison sent again"
m="$(curl -sf "$STORAGE_URL/metrics?format=prometheus")"
n="$(awk '$1 == "qaflow_storage_poison_messages_total" {print $2}' <<<"$m")"
((${n%.*} >= 6)) || fail "qaflow_storage_poison_messages_total = $n, expected >= 6"

note "the consumer goes on: a completed and a failed question after the poison"
text="$(unique 'After the poison?')"
post_query "$text" "Yes."; qid="$(jq -r .question_id <<<"$BODY")"
created="$(jq -r .created_at <<<"$(wait_messages questions-pending "$qid" 1 60)")"
produce validated-responses "$qid" "$(jq -nc --arg id "$qid" --arg q "$text" --arg c "$created" --arg t "$(now_iso)" '{
  question_id: $id, question_text: $q, llm_response: "Yes.", original_answer: "Yes.", bert_score: 0.9,
  processing_attempts: 1, total_processing_time_ms: 10, timestamp: $t, created_at: $c}')"
wait_status "$qid" completed 60 >/dev/null || fail "not completed after the poison"
ftext="$(unique 'Failing after the poison?')"
post_query "$ftext" "No."; fqid="$(jq -r .question_id <<<"$BODY")"
produce questions-failed "$fqid" "$(jq -nc --arg id "$fqid" --arg t "$(now_iso)" '{question_id: $id, reason: "LLM answered 404",
  stage: "llm", retry_count: 0, error_retries: 0, timestamp: $t}')"
wait_status "$fqid" failed 60 >/dev/null || fail "not failed after the poison"
kill -0 "$STORAGE_PID" || fail "qaflow-storage exited"
echo PASS
