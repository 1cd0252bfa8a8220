#!/usr/bin/env bash
# 08_sweeper.sh -- no question stays pending forever: a question whose message never reaches Kafka (storage
# without its outbox relay: the message is as good as lost) is re-enqueued by the sweeper as a new run after
# --stuck-after-s without progress, at most --stuck-max-requeues times, then fails with reason 'stuck';
# counted in /metrics. A question that made progress is left alone. On a private database (the sweeper
# looks at every pending question, other tests' included).
source "$(dirname "$0")/lib.sh"
require_env
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
private_database sweeper   # psql_q and start_storage use it from here on

start_storage sweeper $((QAFLOW_TEST_PORT_BASE + 146)) --no-relay --no-consumer \
  --sweep-interval-s 1 --stuck-after-s 2 --stuck-max-requeues 2
post_query "$(unique 'Lost on its way to Kafka?')" "It was."; expect_code 202 "POST"
qid="$(jq -r .question_id <<<"$BODY")"
post_query "$(unique 'Making progress?')" "Yes."; expect_code 202 "POST 2"
busy="$(jq -r .question_id <<<"$BODY")"
# progress for the second question: an LLM error of its run, stamped 10 minutes ahead so that it counts as
# recent progress however slowly this loop runs on a loaded machine (the sweeper takes the latest event)
progress() { psql_q "INSERT INTO llm_errors (question_id, run, error_type, http_status, retry_count, error_retries, occurred_at)
                     VALUES ('$busy', 1, 'overload', 503, 0, $1, now() + interval '10 minutes')" >/dev/null; }

note "waiting for run 1 -> 2 -> 3 -> failed (stuck)"
status=""
progress 0
for ((i = 0; i < 60; i++)); do
  http GET "$STORAGE_URL/status/$qid"
  status="$(jq -r .status <<<"$BODY")"
  [[ "$status" == failed ]] && break
  sleep 0.5
done
[[ "$status" == failed ]] || fail "the lost question is still $status after 30 s: $BODY"
jq -e '.reason == "stuck" and .stage == "storage"' <<<"$BODY" >/dev/null || fail "failed without reason stuck: $BODY"
runs="$(psql_q "SELECT string_agg(run || ':' || status || ':' || COALESCE(failed_reason, ''), ' ' ORDER BY run)
                FROM runs WHERE question_id = '$qid'")"
[[ "$runs" == "1:failed:stuck: re-enqueued 2:failed:stuck: re-enqueued 3:failed:stuck" ]] || fail "runs: $runs"
n="$(psql_q "SELECT count(*) FROM outbox WHERE question_id = '$qid'")"
[[ "$n" == 3 ]] || fail "$n outbox messages for the lost question, expected 3 (run 1 and the two re-enqueues)"
psql_q "SELECT payload FROM outbox WHERE question_id = '$qid' ORDER BY id" | jq -s -e 'map(.run) == [1, 2, 3]' >/dev/null \
  || fail "re-enqueued messages do not carry runs 1, 2, 3"
note "runs: $runs"

[[ "$(psql_q "SELECT status || ':' || run FROM questions WHERE question_id = '$busy'")" == pending:1 ]] \
  || fail "the question making progress was touched: $(psql_q "SELECT status, run FROM questions WHERE question_id = '$busy'")"
m="$(curl -s "$STORAGE_URL/metrics?format=prometheus")"
grep -q '^qaflow_storage_stuck_requeued_total 2$' <<<"$m" || fail "requeued counter: $(grep stuck <<<"$m")"
grep -q '^qaflow_storage_stuck_failed_total 1$' <<<"$m" || fail "failed counter: $(grep stuck <<<"$m")"
grep -q '^qaflow_storage_stuck_after_seconds 2$' <<<"$m" || fail "stuck-after gauge missing"

note "asked again after 'stuck', it is a new run like any failure"
post_query "$(psql_q "SELECT question_text FROM questions WHERE question_id = '$qid'")" "It was."
expect_code 202 "re-ask after stuck"
[[ "$(jq -r .run <<<"$BODY")" == 4 ]] || fail "re-ask: $BODY"
echo PASS
