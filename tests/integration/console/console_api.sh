#!/usr/bin/env bash
# console_api.sh -- qaflow-console's JSON API on the real stack with the LLM stub: topics and partition counts, lag that
# rises while the LLM worker is stopped and drains when it runs, browsing by key, a question's journey with its
# attempts and scores, /api/analysis equal to the SQL it comes from, SSE, bad input.
source "$(dirname "$0")/lib.sh"
ct_init api
base=$QAFLOW_TEST_PORT_BASE
group="console-test-llm-$CT_RUN"
t0="$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)"

ct_stub
ct_storage $((base + 710))
ct_console $((base + 700)) --service "storage=$STORAGE_URL"

worker() {
  ct_start worker "$LLM_WORKER_BIN" --brokers "$QAFLOW_TEST_KAFKA" --group "$group" --client-id "console-test-worker" \
    --llm-url "$STUB_URL" --metrics-port $((base + 711)) -X auto.offset.reset=latest \
    -X session.timeout.ms=6000 -X heartbeat.interval.ms=1000
  ct_until "the LLM worker's partitions" 60 assigned
}
assigned() { (($(curl -fs -m 2 "127.0.0.1:$((base + 711))/health" | jq -r '.assigned_partitions // 0' 2>/dev/null || echo 0) >= 3)); }
# group_lag: the worker group's lag on questions-pending from /api/topics ("" when it has committed nothing yet)
group_lag() {
  curl -fs -m 5 "$CONSOLE_URL/api/topics" |
    jq -r --arg g "$group" '.[] | select(.topic == "questions-pending") | .groups[] | select(.group == $g) | .lag'
}
lag_is() { [[ "$(group_lag)" == "$1" ]]; }
lag_at_least() { local l; l="$(group_lag)"; [[ -n "$l" ]] && ((l >= $1)); }

ct_log "/api/topics: every topic of infra/kafka/topics.txt with its partition count, leader and watermarks"
ct_get /api/topics
[[ "$CODE" == 200 ]] || ct_fail "/api/topics: HTTP $CODE"
while read -r topic parts; do
  [[ -z "$topic" || "$topic" == \#* ]] && continue
  got="$(jq -r --arg t "$topic" '.[] | select(.topic == $t) | .partitions | length' <<<"$BODY")"
  [[ "$got" == "$parts" ]] || ct_fail "topic $topic: $got partitions, want $parts"
done <"$CT_ROOT/infra/kafka/topics.txt"
jq -e 'all(.[]; (.partitions | all(.[]; has("partition") and has("leader") and has("low") and has("high"))) and has("groups"))' \
  <<<"$BODY" >/dev/null || ct_fail "partition keys: $BODY"

ct_log "questions through the worker until its group has committed on every partition of questions-pending"
worker
committed_parts() {
  curl -fs -m 5 "$CONSOLE_URL/api/topics" | jq -r --arg g "$group" \
    '[.[] | select(.topic == "questions-pending") | .groups[] | select(.group == $g) | .partitions[]] | length'
}
for ((i = 0; i < 40; i++)); do
  [[ "$(committed_parts)" == 3 ]] && break
  ct_ask "console lag probe $i $CT_RUN" "probe" >/dev/null || ct_fail "POST /api/ask"
  sleep 0.5
done
ct_until "commits on the 3 partitions" 60 eval '[[ "$(committed_parts)" == 3 ]]'
ct_until "the worker group's lag at 0" 60 lag_is 0

ct_log "the worker stopped: 5 questions raise the lag to 5"
ct_stop worker
qids=()
for i in 1 2 3 4 5; do qids+=("$(ct_ask "console lag question $i $CT_RUN" "answer $i")"); done
ct_until "lag >= 5 on questions-pending" 60 lag_at_least 5
ct_get /api/overview
jq -e '.topics[] | select(.topic == "questions-pending") | .lag >= 5' <<<"$BODY" >/dev/null ||
  ct_fail "overview lag: $(jq -c '.topics' <<<"$BODY")"
jq -e '(.components | map(.name) | index("storage")) != null and .questions.pending >= 5 and has("flink")
  and (.flink | has("job_state"))' <<<"$BODY" >/dev/null || ct_fail "overview keys: $BODY"

ct_log "the worker back: the lag drains to 0"
worker
ct_until "lag back to 0" 90 lag_is 0

ct_log "browsing questions-pending by key finds the question's message (assign, no group)"
q="${qids[2]}"
ct_get "/api/topics/questions-pending/messages?key=$q&limit=5"
[[ "$CODE" == 200 ]] || ct_fail "messages: HTTP $CODE $BODY"
jq -e --arg q "$q" 'length >= 1 and all(.[]; .key == $q and .value.question_id == $q and has("partition")
  and has("offset") and has("timestamp") and has("headers"))' <<<"$BODY" >/dev/null || ct_fail "messages by key: $BODY"
ct_get "/api/topics/questions-pending/messages?limit=3"
jq -e 'length == 3' <<<"$BODY" >/dev/null || ct_fail "limit 3: $BODY"
[[ -z "$(kcat -b "$QAFLOW_TEST_KAFKA" -L -J 2>/dev/null | jq -r '.. | .group? // empty' | grep qaflow-console-browse || true)" ]] || true
ct_get "/api/topics/questions-pending/messages?limit=0"; [[ "$CODE" == 400 ]] || ct_fail "limit=0: HTTP $CODE"
ct_get "/api/topics/no-such-topic/messages"; [[ "$CODE" == 404 ]] || ct_fail "unknown topic: HTTP $CODE"
ct_get "/api/topics/questions-pending/messages?partition=99"; [[ "$CODE" == 404 ]] || ct_fail "unknown partition: HTTP $CODE"

ct_log "a question's journey: a low-quality attempt, then the validated one (as the ScoreJob writes them)"
now() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ; }
created="$(psql_q "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM questions WHERE question_id = '$q'")"
low="$(jq -nc --arg id "$q" --arg c "$created" --arg t "$(now)" '{question_id: $id, llm_response: "I like trains.",
  bert_score: 0.31, retry_count: 0, threshold: 0.5, timestamp: $t, created_at: $c, llm_started_at: $c,
  llm_finished_at: $t, scored_at: $t, model: "stub"}')"
produce low-quality-responses "$q" "$low"
sleep 0.01
val="$(jq -nc --arg id "$q" --arg c "$created" --arg t "$(now)" '{question_id: $id, question_text: "q",
  llm_response: "Answer 3, better.", original_answer: "answer 3", bert_score: 0.82, processing_attempts: 2,
  total_processing_time_ms: 1234, timestamp: $t, accepted_below_threshold: false, first_score: 0.31,
  created_at: $c, llm_started_at: $t, llm_finished_at: $t, scored_at: $t, model: "stub"}')"
produce validated-responses "$q" "$val"
completed() { ct_get "/api/questions/$q"; [[ "$CODE" == 200 && "$(jq -r .status <<<"$BODY")" == completed ]]; }
ct_until "the question completed" 60 completed
jq -e --arg q "$q" '.question.question_id == $q and .status == "completed"
  and ([.events[] | select(.kind == "attempt") | [.attempt, .score, .accepted]] == [[1, 0.31, false], [2, 0.82, true]])
  and ([.events[] | .kind] | index("accepted") == 0)
  and ([.events[] | select(.kind == "regeneration")] | length == 1)
  and ([.events[] | select(.kind == "completed") | .score] == [0.82])
  and all(.events[]; has("at") and has("stage") and has("kind"))' <<<"$BODY" >/dev/null || ct_fail "journey: $BODY"
ct_get "/api/questions/q_console_unknown_$CT_RUN"; [[ "$CODE" == 404 ]] || ct_fail "unknown question: HTTP $CODE"
ct_get "/api/questions/bad%3Cid"; [[ "$CODE" == 404 ]] || ct_fail "bad id: HTTP $CODE"
ct_get "/api/questions?q=console%20lag%20question%203%20$CT_RUN"
jq -e --arg q "$q" 'length == 1 and .[0].question_id == $q' <<<"$BODY" >/dev/null || ct_fail "search: $BODY"

ct_log "/api/analysis equals the analysis_* functions over the same period"
ct_get "/api/analysis?since=$t0"
[[ "$CODE" == 200 ]] || ct_fail "analysis: HTTP $CODE $BODY"
for key in score_histogram throughput latency regeneration_per_hour errors attempts; do
  jq -e --arg k "$key" 'has($k)' <<<"$BODY" >/dev/null || ct_fail "analysis has no $key"
done
sql() { psql_q "$1" | jq -cS .; }
p="'$t0'::timestamptz, NULL"
[[ "$(jq -cS '.attempts' <<<"$BODY")" == "$(sql "SELECT COALESCE(json_agg(t ORDER BY processing_attempts), '[]') FROM analysis_attempts($p) t")" ]] ||
  ct_fail "attempts differ: $(jq -c .attempts <<<"$BODY")"
jq -e '.attempts | any(.processing_attempts == 2 and .questions >= 1)' <<<"$BODY" >/dev/null || ct_fail "this run's question is not counted"
[[ "$(jq -c '.score_histogram.first' <<<"$BODY")" == "$(psql_q "SELECT json_agg(first_count ORDER BY bin) FROM analysis_score_histogram($p)" | jq -c .)" ]] ||
  ct_fail "histogram (first) differs"
[[ "$(jq -c '.score_histogram.final' <<<"$BODY")" == "$(psql_q "SELECT json_agg(final_count ORDER BY bin) FROM analysis_score_histogram($p)" | jq -c .)" ]] ||
  ct_fail "histogram (final) differs"
[[ "$(jq -c '[.latency[] | [.stage, .samples, .p50, .p95, .p99]]' <<<"$BODY")" == \
   "$(psql_q "SELECT json_agg(json_build_array(stage, samples, p50_ms, p95_ms, p99_ms)) FROM analysis_latency($p)" | jq -c .)" ]] ||
  ct_fail "latency differs: $(jq -c .latency <<<"$BODY")"
[[ "$(jq -cS '.throughput' <<<"$BODY")" == "$(sql "SELECT COALESCE(json_agg(t ORDER BY minute), '[]') FROM analysis_throughput($p) t")" ]] ||
  ct_fail "throughput differs"
[[ "$(jq -cS '.regeneration_per_hour' <<<"$BODY")" == "$(sql "SELECT COALESCE(json_agg(t ORDER BY hour), '[]') FROM analysis_regeneration_per_hour($p) t")" ]] ||
  ct_fail "regeneration differs"
[[ "$(jq -cS '.errors' <<<"$BODY")" == "$(sql "SELECT COALESCE(json_agg(t), '[]') FROM analysis_errors($p) t")" ]] ||
  ct_fail "errors differ"
ct_get "/api/analysis?since=yesterday"; [[ "$CODE" == 400 ]] || ct_fail "bad since: HTTP $CODE"

ct_log "SSE: /api/events streams overview events"
events="$(curl -sN -m 3 "$CONSOLE_URL/api/events" || true)"
(($(grep -c '^event: overview' <<<"$events") >= 2)) || ct_fail "fewer than 2 overview events in 3 s: ${events:0:300}"
grep -q '^data: {"components"' <<<"$events" || ct_fail "event data is not the overview"

ct_log "/metrics and /health"
ct_get /metrics
grep -q '^qaflow_console_samples_total ' <<<"$BODY" || ct_fail "no qaflow_console_samples_total"
ct_get /health
jq -e '.status == "ok" and .kafka and .postgres' <<<"$BODY" >/dev/null || ct_fail "health: $BODY"
ct_log PASS
