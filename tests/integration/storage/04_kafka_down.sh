#!/usr/bin/env bash
# 04_kafka_down.sh -- Kafka unreachable during POST: questions are accepted (202) into the outbox,
# survive a kill -9 of the service, and reach questions-pending once Kafka answers again.
# Kafka is frozen with SIGSTOP (the shared test broker cannot be restarted under other tests'
# feet); to a client that is a broker that stopped answering. Registered RUN_SERIAL.
source "$(dirname "$0")/lib.sh"
require_env
kpid_file="${QAFLOW_TEST_VAR:-}/run/kafka.pid"
[[ -f "$kpid_file" ]] || fail "Kafka pid file not found ($kpid_file): is QAFLOW_TEST_VAR set?"
kpid="$(cat "$kpid_file")"
kill -0 "$kpid" || fail "Kafka (pid $kpid) is not running"
thaw() { kill -CONT "$kpid" 2>/dev/null || true; }
trap 'thaw; cleanup' EXIT
trap 'thaw; exit 1' TERM INT

# the outbox bound: a few rows above what the shared database already holds unsent
baseline="$(psql_q "SELECT count(*) FROM outbox WHERE sent_at IS NULL")"
bound=$((baseline + 7))
start_storage kdown $((QAFLOW_TEST_PORT_BASE + 120)) --outbox-timeout-ms 3000 --outbox-max-backlog "$bound"
note "freezing Kafka (pid $kpid)"
kill -STOP "$kpid"

ids=()
for i in 1 2 3 4 5; do
  post_query "$(unique "Kafka is down, question $i?")" "Answer $i."; body="$BODY"
  expect_code 202 "POST $i while Kafka is frozen"
  ids+=("$(jq -r .question_id <<<"$body")")
done
note "health reports Kafka down (503)"
for ((i = 0; i < 30; i++)); do
  http GET "$STORAGE_URL/health"; h="$BODY"
  [[ "$HTTP_CODE" == 503 ]] && break
  sleep 1
done
[[ "$HTTP_CODE" == 503 && "$(jq -r .dependencies.kafka.status <<<"$h")" == down ]] || fail "health while Kafka frozen: $HTTP_CODE $h"
jq -e '.outbox_pending >= 5 and .outbox_oldest_unsent_s > 0' <<<"$h" >/dev/null || fail "health does not show the outbox backlog: $h"
note "the relay's deliveries fail and the rows stay unsent"
for ((i = 0; i < 60; i++)); do
  grep -q "not delivered, will retry" "$TMPDIR_T/kdown.log" && break
  sleep 0.5
done
grep -q "not delivered, will retry" "$TMPDIR_T/kdown.log" || fail "no failed delivery logged"
inlist="$(printf "'%s'," "${ids[@]}")"; inlist="${inlist%,}"
[[ "$(psql_q "SELECT count(*) FROM outbox WHERE question_id IN ($inlist) AND sent_at IS NULL")" == 5 ]] \
  || fail "expected 5 unsent outbox rows"

note "the outbox is bounded ($bound unsent rows): past it, new questions get 503 + Retry-After, nothing is written"
got503=""
for i in $(seq 1 40); do
  text="$(unique "Over the outbox bound, question $i?")"
  post_query "$text" "Answer."
  if [[ "$HTTP_CODE" == 503 ]]; then got503="$text"; break; fi
  expect_code 202 "POST $i under the bound"
  sleep 0.5
done
[[ -n "$got503" ]] || fail "no 503 after 40 questions over an outbox bound of $bound"
jq -e '.error | test("outbox backlog")' <<<"$BODY" >/dev/null || fail "503 body: $BODY"
[[ "$(psql_q "SELECT count(*) FROM questions WHERE question_text = '$got503'")" == 0 ]] || fail "the refused question was stored"
unsent="$(psql_q "SELECT count(*) FROM outbox WHERE sent_at IS NULL")"
((unsent > bound && unsent <= bound + 8)) || fail "$unsent unsent rows when refused (bound $bound)"
metrics="$(curl -s "$STORAGE_URL/metrics?format=prometheus")"   # not piped into grep -q: pipefail + SIGPIPE
grep -q 'qaflow_storage_queries_total{outcome="backlog_full"} [1-9]' <<<"$metrics" \
  || fail "no backlog_full count in /metrics: $(grep backlog <<<"$metrics")"

note "kill -9 the service while Kafka is still frozen, then start a new one"
kill -9 "$STORAGE_PID"
wait "$STORAGE_PID" 2>/dev/null || true
start_storage kdown2 $((QAFLOW_TEST_PORT_BASE + 121)) --outbox-timeout-ms 3000
note "thawing Kafka"
thaw
for id in "${ids[@]}"; do
  wait_messages questions-pending "$id" 1 120 >/dev/null || fail "question $id never reached questions-pending"
done
for ((i = 0; i < 60; i++)); do
  [[ "$(psql_q "SELECT count(*) FROM outbox WHERE question_id IN ($inlist) AND sent_at IS NOT NULL")" == 5 ]] && break
  sleep 0.5
done
[[ "$(psql_q "SELECT count(*) FROM outbox WHERE question_id IN ($inlist) AND sent_at IS NOT NULL")" == 5 ]] \
  || fail "outbox rows not marked sent"
for ((i = 0; i < 30; i++)); do
  http GET "$STORAGE_URL/health"
  [[ "$HTTP_CODE" == 200 ]] && break
  sleep 1
done
expect_code 200 "health after Kafka is back"
echo PASS
