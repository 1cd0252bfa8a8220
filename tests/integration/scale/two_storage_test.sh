#!/usr/bin/env bash
# tests/integration/scale/two_storage_test.sh: two qaflow-storage instances on one database do each job once: their
# outbox relays (rows claimed with FOR UPDATE SKIP LOCKED) send every row once between them, and their sweepers
# re-enqueue and fail every stuck question once. On a private database; ports QAFLOW_TEST_PORT_BASE + 650..652.
source "$(dirname "$0")/../storage/lib.sh"
require_env
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
: "${QAFLOW_BIN_DIR:?}"
private_database two_storage   # psql_q and start_storage use it from here on
B=$((QAFLOW_TEST_PORT_BASE + 650))
N=300
T0_MS=$(($(date +%s%3N) - 1000))

stop_all() { local p; for p in "${STORAGE_PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; STORAGE_PIDS=(); }
counter() { curl -fsS "http://127.0.0.1:$1/metrics?format=prometheus" | sed -n "s/^$2 \\([0-9]*\\)\$/\\1/p"; }

note "$N questions into the outbox of an instance without relay"
start_storage api "$B" --no-relay --no-consumer --sweep-interval-s 0 --sync-workers 0
"$QAFLOW_BIN_DIR/qaflow-traffic" --url "$STORAGE_URL" --dataset "$ROOT/dataset/sample.csv" --tag "$(unique two)" \
  --count "$N" --rate 0 --concurrency 16 --no-wait --results "$TMPDIR_T/sent.jsonl" --json --log-level error \
  >"$TMPDIR_T/traffic.json" || fail "qaflow-traffic failed"
jq -r 'select(.http_status == 202) | .question_id' "$TMPDIR_T/sent.jsonl" | sort -u >"$TMPDIR_T/ids"
[[ "$(wc -l <"$TMPDIR_T/ids")" == "$N" ]] || fail "$(wc -l <"$TMPDIR_T/ids") of $N questions accepted"
[[ "$(psql_q "SELECT count(*) FROM outbox WHERE sent_at IS NULL")" == "$N" ]] || fail "the outbox does not hold $N unsent rows"
stop_all

note "two relays (5 rows a round) drain it together"
start_storage relay1 $((B + 1)) --no-consumer --outbox-batch 5 --sweep-interval-s 0 --sync-workers 0
start_storage relay2 $((B + 2)) --no-consumer --outbox-batch 5 --sweep-interval-s 0 --sync-workers 0
deadline=$((SECONDS + 120))
until [[ "$(psql_q "SELECT count(*) FROM outbox WHERE sent_at IS NULL")" == 0 ]]; do
  ((SECONDS < deadline)) || fail "outbox rows still unsent after 120 s"
  sleep 0.5
done
s1="$(counter $((B + 1)) qaflow_storage_outbox_sent_total)"; s2="$(counter $((B + 2)) qaflow_storage_outbox_sent_total)"
note "relay 1 sent $s1, relay 2 sent $s2"
((s1 + s2 == N)) || fail "the relays sent $((s1 + s2)) messages for $N rows"
((s1 > 0 && s2 > 0)) || fail "one relay sent everything ($s1 / $s2): the test did not make them compete"
[[ "$(psql_q "SELECT count(*) FROM outbox WHERE attempts <> 1")" == 0 ]] || fail "a row was sent more than once"
# on Kafka: each question's message once
kcat -C -b "$QAFLOW_TEST_KAFKA" -t questions-pending -o "s@$T0_MS" -e -q -f '%k\n' 2>/dev/null | sort >"$TMPDIR_T/keys"
dups="$(join "$TMPDIR_T/ids" "$TMPDIR_T/keys" | uniq -d | head -5)"
[[ -z "$dups" ]] || fail "messages sent twice for: $dups"
[[ "$(join "$TMPDIR_T/ids" "$TMPDIR_T/keys" | wc -l)" == "$N" ]] || fail "not every question reached questions-pending"
stop_all

note "two sweepers: every question stuck in run 1 is re-enqueued once (run 2), then failed once"
start_storage sweep1 $((B + 1)) --no-relay --no-consumer --sync-workers 0 --sweep-interval-s 1 --stuck-after-s 2 --stuck-max-requeues 1
start_storage sweep2 $((B + 2)) --no-relay --no-consumer --sync-workers 0 --sweep-interval-s 1 --stuck-after-s 2 --stuck-max-requeues 1
deadline=$((SECONDS + 120))
until [[ "$(psql_q "SELECT count(*) FROM questions WHERE status = 'pending'")" == 0 ]]; do
  ((SECONDS < deadline)) || fail "questions still pending after 120 s"
  sleep 0.5
done
sleep 2   # a sweep still under way would show now
runs="$(psql_q "SELECT r, count(*) FROM (SELECT string_agg(run || ':' || status || ':' || COALESCE(failed_reason, ''), ' '
                ORDER BY run) r FROM runs GROUP BY question_id) x GROUP BY r")"
[[ "$runs" == "1:failed:stuck: re-enqueued 2:failed:stuck|$N" ]] || fail "runs of the questions: $runs"
[[ "$(psql_q "SELECT count(*) FROM outbox WHERE payload::json->>'run' = '2'")" == "$N" ]] || fail "re-enqueue messages: not one per question"
r1="$(counter $((B + 1)) qaflow_storage_stuck_requeued_total)"; r2="$(counter $((B + 2)) qaflow_storage_stuck_requeued_total)"
f1="$(counter $((B + 1)) qaflow_storage_stuck_failed_total)"; f2="$(counter $((B + 2)) qaflow_storage_stuck_failed_total)"
note "sweeper 1 re-enqueued $r1 and failed $f1, sweeper 2 re-enqueued $r2 and failed $f2"
((r1 + r2 == N && f1 + f2 == N)) || fail "the sweepers acted $((r1 + r2)) / $((f1 + f2)) times for $N questions"
echo PASS
