# infra/lib/scenarios.sh: ./qaflow demo --scenario normal|errors|regeneration|all -- the seed's demo script,
# narrated as it happens (each question's events read from PostgreSQL), with where to look.
#
# errors and regeneration script the LLM's answers through qaflow-llm-stub's /admin/script (the stub itself,
# or the chaos proxy in front of the real LLM): they need --llm stub or --llm chaos (chaos by default).

DEMO_SCENARIOS="normal|errors|regeneration|all"
: "${QAFLOW_DEMO_WAIT:=600}"   # seconds a scenario waits for its questions at most

# demo_scenario_check NAME QUOTA_DELAY: bad arguments are refused before anything starts.
demo_scenario_check() {
  [[ "$1" =~ ^(normal|errors|regeneration|all)$ ]] || qf_die "demo: --scenario must be one of $DEMO_SCENARIOS (got '$1')"
  [[ -z "$2" || "$2" =~ ^[0-9]+$ ]] || qf_die "demo: --quota-delay must be a number of seconds (got '$2')"
}

demo_say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
demo_stub_url() { printf 'http://127.0.0.1:%s' "$QAFLOW_LLMSTUB_PORT"; }
demo_api() { printf 'http://127.0.0.1:%s' "$QAFLOW_STORAGE_PORT"; }

# demo_script MATCH RESPONSES_JSON: the LLM answers prompts containing MATCH with RESPONSES in order (the last repeats).
demo_script() {
  curl -fsS --max-time 10 -H 'Content-Type: application/json' \
    -d "$(jq -cn --arg m "$1" --argjson r "$2" '{match: $m, responses: $r}')" "$(demo_stub_url)/admin/script" >/dev/null \
    || qf_die "demo: the LLM stub refused the script for '$1'"
}

# demo_ask TEXT ANSWER: POST /query; prints the question_id (the 202 or 200 is narrated on stderr).
demo_ask() {
  local res
  res="$(curl -sS --max-time 30 -H 'Content-Type: application/json' \
    -d "$(jq -cn --arg q "$1" --arg a "$2" '{question_text: $q, original_answer: $a}')" \
    -w '\n%{http_code}' "$(demo_api)/query")" || qf_die "demo: POST /query failed"
  local code="${res##*$'\n'}" body="${res%$'\n'*}"
  printf '  POST /query "%s" -> HTTP %s %s\n' "${1:0:60}" "$code" "$(jq -c '{question_id, status, source} | with_entries(select(.value != null))' <<<"$body")" >&2
  jq -er .question_id <<<"$body" || qf_die "demo: POST /query answered $body"
}

# demo_sample N: N random rows of dataset/sample.csv as "question<TAB>answer" lines.
demo_sample() {
  python3 - "$QAFLOW_ROOT/dataset/sample.csv" "$1" <<'PY'
import csv, random, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
for r in random.sample(rows, int(sys.argv[2])):
    q = (r[1] + " " + r[2]).strip().replace("\t", " ")
    print(q + "\t" + r[3].replace("\\n", " ").replace("\t", " "))
PY
}

# The events of one question, oldest first, as "time|text" lines (from the tables the pipeline writes).
DEMO_EVENTS_SQL="
SELECT to_char(t, 'HH24:MI:SS.MS') || '|' || txt FROM (
  SELECT q.created_at AS t, 0 AS o, 'accepted (202): stored as pending with its questions-pending message (outbox)' AS txt
  FROM questions q WHERE q.question_id = :'qid'
  UNION ALL
  SELECT e.occurred_at, 1, format('LLM error %s (HTTP %s), attempt %s, transport retry n=%s: %s', e.error_type,
         COALESCE(e.http_status::text, '-'), e.retry_count + 1, e.error_retries,
         CASE WHEN e.error_type = 'fatal' THEN 'fatal, not retried'
              WHEN e.delay_applied_ms IS NULL THEN 'retries exhausted: dead letter (questions-failed)'
              WHEN e.error_type = 'overload' THEN format('qaflow-retry waits %s ms (formula 2^%s s = %s ms)',
                   e.delay_applied_ms, e.error_retries, (1000 * 2 ^ e.error_retries)::bigint)
              ELSE format('qaflow-retry waits %s ms (Retry-After when the LLM sent one, else its fixed delay)',
                   e.delay_applied_ms) END)
  FROM llm_errors e WHERE e.question_id = :'qid'
  UNION ALL
  SELECT a.scored_at, 2, format('attempt %s answered by the LLM in %s ms, BERTScore %s: %s', a.attempt_no,
         round(extract(epoch FROM a.llm_finished_at - a.llm_started_at) * 1000), round(a.bert_score::numeric, 4),
         CASE a.outcome WHEN 'validated' THEN 'accepted' ELSE 'below the threshold (low-quality-responses)' END)
  FROM attempts a WHERE a.question_id = :'qid'
  UNION ALL
  SELECT r.persisted_at, 3, format('completed: %s attempt(s), answer of attempt %s kept (score %s%s), end to end %s ms',
         r.processing_attempts,
         (SELECT min(a.attempt_no) FROM attempts a WHERE a.question_id = r.question_id AND a.llm_response = r.llm_response),
         round(r.bert_score::numeric, 4),
         CASE WHEN r.accepted_below_threshold THEN ', the best one: the cap was reached' ELSE '' END,
         round(extract(epoch FROM r.persisted_at - r.created_at) * 1000))
  FROM responses r WHERE r.question_id = :'qid'
  UNION ALL
  SELECT q.updated_at, 3, format('failed at stage %s: %s', q.failed_stage, q.failed_reason)
  FROM questions q WHERE q.question_id = :'qid' AND q.status = 'failed'
) ev ORDER BY t, o"

# demo_follow LABEL=QID...: print each question's events as they happen, until every one is completed or failed.
demo_follow() {
  local -A shown=()
  local pair label qid lines n done_all deadline=$((SECONDS + QAFLOW_DEMO_WAIT))
  while :; do
    done_all=1
    for pair in "$@"; do
      label="${pair%%=*}" qid="${pair#*=}"
      lines="$(cmd_psql -XAtq -v qid="$qid" <<<"$DEMO_EVENTS_SQL")" || qf_die "demo: cannot read the events of $qid"
      n="${shown[$qid]:-0}"
      if [[ -n "$lines" ]]; then
        tail -n "+$((n + 1))" <<<"$lines" | while IFS='|' read -r t txt; do printf '  %s [%s] %s\n' "$t" "$label" "$txt"; done
        shown[$qid]="$(grep -c . <<<"$lines")"
      fi
      grep -qE '\|(completed|failed)' <<<"$lines" || done_all=0
    done
    ((done_all)) && return 0
    ((SECONDS < deadline)) || { qf_warn "demo: not every question finished within ${QAFLOW_DEMO_WAIT}s"; return 0; }
    sleep 0.5
  done
}

# demo_retry_table QID...: each transport retry's delay: formula, applied, observed (analysis_retry_events).
demo_retry_table() {
  local ids; ids="$(printf "'%s'," "$@")"
  demo_sql "each retry's delay against its formula (ms; observed = from the error to the next LLM call)" \
    "SELECT question_id, error_type, http_status, retry_count + 1 AS attempt, error_retries AS n, formula_ms, applied_ms, observed_ms FROM analysis_retry_events(NULL, NULL) WHERE question_id IN (${ids%,}) ORDER BY question_id, retry_count, error_retries"
}

demo_where() {
  printf '  where to look: GET %s/status/%s | Flink Web UI http://127.0.0.1:%s (job qaflow-scorejob) |\n' \
    "$(demo_api)" "$1" "${QAFLOW_FLINK_PORT:-8081}"
  printf "    ./qaflow psql -c \"SELECT * FROM %s WHERE question_id = '%s'\" | ./qaflow logs %s\n" "$2" "$1" "$3"
}

scenario_normal() {
  local tag="$1" q a qid first_q first_a
  local -a follow=()
  demo_say "normal flow: three questions of dataset/sample.csv through storage -> Kafka -> LLM worker -> Flink ScoreJob (BERTScore) -> storage"
  while IFS=$'\t' read -r q a; do
    q="$q ($tag)"
    qid="$(demo_ask "$q" "$a")"
    follow+=("q${#follow[@]}=$qid")
    [[ -n "${first_q:-}" ]] || { first_q="$q" first_a="$a"; demo_where "$qid" responses storage; }
  done < <(demo_sample 3)
  demo_follow "${follow[@]}"
  demo_say "the same question again: answered at once from the cache (Redis + in-process), no LLM call"
  demo_ask "$first_q" "$first_a" >/dev/null
}

scenario_errors() {
  local tag="$1" quota_delay="$2" ref="The capital of France is Paris." ok qo qa qq qd
  ok="$(jq -cn --arg r "$ref" '{status: 200, answer: $r}')"   # the right answer once the fault is over
  demo_say "errors: faults injected by qaflow-llm-stub ($(demo_stub_url)/admin/script); the retry consumers re-queue with their delays"
  printf '  overload: HTTP 503 twice, then an answer        -> qaflow-retry --policy overload waits 2^n s\n'
  printf '  quota:    HTTP 402 with Retry-After: 5, then ok  -> qaflow-retry --policy quota waits the Retry-After\n'
  printf '  quota:    HTTP 402 without Retry-After, then ok  -> the fixed delay (%s)\n' \
    "$([[ -n "$quota_delay" ]] && echo "shortened to $quota_delay s for this demo by --quota-delay; the seed's is 60 s" || echo "60 s as in the seed unless QAFLOW_RETRY_FIXED_DELAY_S says otherwise; --quota-delay S shortens it")"
  printf '  dead letter: HTTP 503 every time               -> after 3 retries (1 s, 2 s, 4 s) the question goes to questions-failed\n'
  demo_script "overload ($tag)" "[{\"status\": 503}, {\"status\": 503}, $ok]"
  demo_script "retry-after ($tag)" "[{\"status\": 402, \"retry_after_s\": 5}, $ok]"
  demo_script "quota ($tag)" "[{\"status\": 402}, $ok]"
  demo_script "dead letter ($tag)" '[{"status": 503}]'
  qo="$(demo_ask "Which city is the capital of France? overload ($tag)" "$ref")"
  qa="$(demo_ask "What is the French capital called? retry-after ($tag)" "$ref")"
  qq="$(demo_ask "Name the capital city of France. quota ($tag)" "$ref")"
  qd="$(demo_ask "Where is the capital of France? dead letter ($tag)" "$ref")"
  demo_where "$qo" llm_errors "retry-overload"
  demo_follow overload="$qo" retry-after="$qa" quota="$qq" dead-letter="$qd"
  demo_retry_table "$qo" "$qa" "$qq" "$qd"
}

scenario_regeneration() {
  local tag="$1" ref q1 q2
  ref="The Pacific Ocean is the largest and deepest ocean on Earth, covering about a third of the planet's surface."
  demo_say "regeneration: an answer below the threshold goes back to the LLM (ScoreJob -> questions-pending), up to the cap"
  printf '  poor then good: the first answer is off-topic, the second is right        -> accepted on attempt 2\n'
  printf '  always poor:    every answer is off-topic until the cap of regenerations -> the best attempt is kept\n'
  demo_script "poor then good ($tag)" "$(jq -cn --arg r "$ref" '[{status: 200, answer: "I like trains and quiet evenings."}, {status: 200, answer: $r}]')"
  demo_script "always poor ($tag)" "$(jq -cn '[{status: 200, answer: "I do not know."},
    {status: 200, answer: "Oceans are made of water and many fish live in them."},
    {status: 200, answer: "Tomorrow it will probably rain."},
    {status: 200, answer: "My favourite colour is blue."}]')"
  q1="$(demo_ask "Which is the largest ocean on Earth? poor then good ($tag)" "$ref")"
  q2="$(demo_ask "What is the biggest ocean of the world? always poor ($tag)" "$ref")"
  demo_where "$q1" attempts flink
  demo_follow poor-then-good="$q1" always-poor="$q2"
  demo_sql "every attempt of these questions (attempts)" \
    "SELECT question_id, attempt_no, round(bert_score::numeric, 4) AS bert_score, outcome, left(llm_response, 50) AS llm_response FROM attempts WHERE question_id IN ('$q1', '$q2') ORDER BY question_id, attempt_no"
  demo_sql "what was kept (responses)" \
    "SELECT question_id, processing_attempts, round(first_score::numeric, 4) AS first_score, round(bert_score::numeric, 4) AS final_score, accepted_below_threshold FROM responses WHERE question_id IN ('$q1', '$q2')"
}

# demo_scenario_run NAME QUOTA_DELAY: bring the stack up (the LLM behind the stub or the chaos proxy when the
# scenario scripts it), run the scenario(s), point at the metrics.
demo_scenario_run() {
  local name="$1" quota_delay="$2" since tag
  [[ "$name" == normal || -n "${QAFLOW_LLM:-}" ]] || export QAFLOW_LLM=chaos
  if [[ -n "$quota_delay" ]]; then
    export QAFLOW_RETRY_FIXED_DELAY_S="$quota_delay"
    qf_pid retry-quota >/dev/null && { qf_info "demo: restarting qaflow-retry --policy quota with a ${quota_delay} s fixed delay"; retry_stop; }
  fi
  cmd_up
  if [[ "$name" != normal ]] && ! qf_http_ok "$(demo_stub_url)/admin/config"; then
    qf_die "demo: scenario $name scripts the LLM through qaflow-llm-stub, which is not running on port $QAFLOW_LLMSTUB_PORT: ./qaflow down llm llm-worker, then ./qaflow demo --scenario $name --llm stub (or --llm chaos)"
  fi
  since="$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" tag="demo $(date -u +%H%M%S)"
  case "$name" in
    normal) scenario_normal "$tag" ;;
    errors) scenario_errors "$tag" "$quota_delay" ;;
    regeneration) scenario_regeneration "$tag" ;;
    all) scenario_normal "$tag"; scenario_errors "$tag" "$quota_delay"; scenario_regeneration "$tag" ;;
  esac
  demo_say "metrics of this demo: the report of its period"
  cmd_report --since "$since" --out "$QAFLOW_VAR/report-demo" || qf_warn "demo: the report failed"
  printf '  open %s/report-demo/report.html (again: ./qaflow report --since %s; docs/report.md)\n' "$QAFLOW_VAR" "$since"
  printf "  ./qaflow psql -c \"SELECT * FROM analysis_summary('%s', NULL)\"   (also analysis_latency, analysis_errors, ...)\n" "$since"
  printf '  Prometheus metrics: %s/metrics; the stack stays up: ./qaflow status, ./qaflow down\n' "$(demo_api)"
}
