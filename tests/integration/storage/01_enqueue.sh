#!/usr/bin/env bash
# 01_enqueue.sh -- a new question gets 202 and exactly one seed-shaped message on questions-pending;
# asking again (also with different spacing/case) enqueues nothing more.
source "$(dirname "$0")/lib.sh"
require_env
start_storage enqueue $((QAFLOW_TEST_PORT_BASE + 100))

text="$(unique 'What is the capital of France?')"
answer="Paris is the capital and most populous city of France."
note "POST /query with a new question"
post_query "$text" "$answer"; body="$BODY"
expect_code 202 "new question"
[[ "$(jq -r .status <<<"$body")" == pending ]] || fail "status not pending: $body"
qid="$(jq -r .question_id <<<"$body")"
[[ "$qid" =~ ^q_[0-9a-f]{16}$ ]] || fail "question_id '$qid' has the wrong shape"

note "the question row is pending in PostgreSQL"
[[ "$(psql_q "SELECT status FROM questions WHERE question_id = '$qid'")" == pending ]] || fail "no pending row for $qid"

note "the message reaches questions-pending, keyed by question_id, with the seed's fields"
msg="$(wait_messages questions-pending "$qid" 1 60)" || fail "no message for $qid on questions-pending"
[[ "$(printf '%s\n' "$msg" | wc -l)" == 1 ]] || fail "more than one message: $msg"
jq -e --arg id "$qid" --arg q "$text" --arg a "$answer" '
  .question_id == $id and .question_text == $q and .original_answer == $a and
  .retry_count == 0 and .error_retries == 0 and
  (.timestamp | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")) and
  (.created_at | type == "string")' <<<"$msg" >/dev/null || fail "message fields wrong: $msg"
# the seed's five fields come first, in order
[[ "$(jq -c '[keys_unsorted[0:5][]]' <<<"$msg")" == '["question_id","question_text","original_answer","retry_count","timestamp"]' ]] \
  || fail "seed field order: $msg"

note "the same question again (other case and spacing) -> 202 pending, same id, nothing enqueued"
post_query "  ${text^^}  " "$answer"; body2="$BODY"
expect_code 202 "repeated question"
[[ "$(jq -r .question_id <<<"$body2")" == "$qid" ]] || fail "normalised question got another id: $body2"
[[ "$(jq -r .status <<<"$body2")" == pending ]] || fail "repeat not pending: $body2"
post_query "$text" "$answer"; body3="$BODY"
expect_code 202 "third ask"
# give a (wrong) second message every chance to appear before counting
sleep 5
[[ "$(psql_q "SELECT count(*) FROM outbox WHERE question_id = '$qid'")" == 1 ]] || fail "more than one outbox row"
n="$(messages_for questions-pending "$qid" | wc -l)"
[[ "$n" == 1 ]] || fail "expected 1 message for $qid, found $n"
[[ -n "$(psql_q "SELECT sent_at FROM outbox WHERE question_id = '$qid'")" ]] || fail "outbox row not marked sent"

note "GET /status of the pending question"
http GET "$STORAGE_URL/status/$qid"; st="$BODY"
expect_code 200 "status"
[[ "$(jq -r .status <<<"$st")" == pending ]] || fail "status: $st"

note "concurrent first asks of one new question enqueue once"
text2="$(unique 'How many legs does a spider have?')"
jq -n --arg q "$text2" '{question_text: $q, original_answer: "Eight."}' >"$TMPDIR_T/c.json"
(
  for i in $(seq 1 8); do
    curl -sS -o "$TMPDIR_T/c.$i" -w '%{http_code}\n' -X POST -H "Content-Type: application/json" --data-binary "@$TMPDIR_T/c.json" "$STORAGE_URL/query" &
  done
  wait
) >"$TMPDIR_T/codes"
[[ "$(sort -u "$TMPDIR_T/codes")" == 202 ]] || fail "concurrent asks: codes $(sort "$TMPDIR_T/codes" | uniq -c)"
qid2="$(jq -r .question_id "$TMPDIR_T/c.1")"
[[ "$(psql_q "SELECT count(*) FROM outbox WHERE question_id = '$qid2'")" == 1 ]] || fail "concurrent asks: outbox rows != 1"
wait_messages questions-pending "$qid2" 1 60 >/dev/null || fail "no message for $qid2"
sleep 3
[[ "$(messages_for questions-pending "$qid2" | wc -l)" == 1 ]] || fail "concurrent asks: more than one message"
echo PASS
