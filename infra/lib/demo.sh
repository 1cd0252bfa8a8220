# infra/lib/demo.sh: ./qaflow demo -- the whole pipeline on sample questions, then a summary from PostgreSQL;
# with --scenario, the seed's demo script (normal flow, errors and their retries, regeneration), narrated.

: "${QAFLOW_DEMO_COUNT:=10}"
: "${QAFLOW_DEMO_RATE:=2}"
: "${QAFLOW_DEMO_TIMEOUT:=900}"

# demo_sql TITLE QUERY: print a titled psql table (aligned, no footer).
demo_sql() {
  printf '\n== %s\n' "$1"
  cmd_psql -X -q -P footer=off -c "$2"
}

# cmd_demo [--count N] [--llm MODE] [--scenario NAME] [--quota-delay S]: setup, up, then either N sample
# questions and a summary, or the scenario (infra/lib/scenarios.sh). The stack stays up.
cmd_demo() {
  local scenario="" quota_delay=""
  while (($# > 0)); do
    case "$1" in
      --count) QAFLOW_DEMO_COUNT="${2:?--count needs a number}"; shift 2 ;;
      --count=*) QAFLOW_DEMO_COUNT="${1#--count=}"; shift ;;
      --llm) export QAFLOW_LLM="${2:?--llm needs a mode}" QAFLOW_LLM_EXPLICIT=1; shift 2 ;;
      --llm=*) export QAFLOW_LLM="${1#--llm=}" QAFLOW_LLM_EXPLICIT=1; shift ;;
      --scenario) scenario="${2:?--scenario needs a name}"; shift 2 ;;
      --scenario=*) scenario="${1#--scenario=}"; shift ;;
      --quota-delay) quota_delay="${2:?--quota-delay needs seconds}"; shift 2 ;;
      --quota-delay=*) quota_delay="${1#--quota-delay=}"; shift ;;
      *) qf_die "demo: unknown argument '$1' (have --count N, --llm MODE, --scenario $DEMO_SCENARIOS, --quota-delay S)" ;;
    esac
  done
  if [[ -n "$scenario" || -n "$quota_delay" ]]; then
    demo_scenario_check "${scenario:-}" "$quota_delay"
    cmd_setup
    demo_scenario_run "$scenario" "$quota_delay"
    return
  fi
  cmd_setup
  cmd_up
  local traffic="$QAFLOW_BIN_DIR/qaflow-traffic" since
  [[ -x "$traffic" ]] || qf_die "demo: $traffic is missing (run ./qaflow setup)"
  since="$(date -u +%Y-%m-%dT%H:%M:%S.000Z)"
  qf_info "demo: sending $QAFLOW_DEMO_COUNT questions from dataset/sample.csv at $QAFLOW_DEMO_RATE/s through the pipeline (LLM: ${QAFLOW_LLM:-auto}); waiting for each to finish"
  # A new random sample each run: questions asked before come back at once from the cache.
  "$traffic" --url "http://127.0.0.1:$QAFLOW_STORAGE_PORT" --dataset "$QAFLOW_ROOT/dataset/sample.csv" \
    --count "$QAFLOW_DEMO_COUNT" --shuffle --seed "$(date +%s)" --rate "$QAFLOW_DEMO_RATE" \
    --timeout "$QAFLOW_DEMO_TIMEOUT" || qf_warn "demo: the traffic generator exited with $?"
  # Every summary is of this run's questions: those the pipeline touched since the run began.
  local run="WITH run AS (SELECT question_id FROM questions WHERE updated_at >= '$since')"
  demo_sql "this run: questions by status" \
    "$run SELECT q.status, count(*) FROM questions q JOIN run USING (question_id) GROUP BY q.status ORDER BY q.status"
  demo_sql "this run: attempts distribution" \
    "$run SELECT r.processing_attempts, count(*) AS count FROM responses r JOIN run USING (question_id) GROUP BY 1 ORDER BY 1"
  demo_sql "this run: first vs final score" \
    "$run SELECT count(*) AS answers, round(avg(first_score)::numeric, 4) AS avg_first_score, round(avg(final_score)::numeric, 4) AS avg_final_score, count(*) FILTER (WHERE accepted_below_threshold) AS accepted_below_threshold, round(avg(score_improvement) FILTER (WHERE processing_attempts > 1)::numeric, 4) AS avg_improvement_when_regenerated FROM regeneration_analysis JOIN run USING (question_id)"
  demo_sql "this run: time per stage (ms)" \
    "$run, samples AS (SELECT stage, duration_ms::double precision AS ms FROM processing_metrics JOIN run USING (question_id) UNION ALL SELECT 'end_to_end', total_processing_time_ms::double precision FROM responses JOIN run USING (question_id)) SELECT stage, count(*) AS samples, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1) AS p50_ms, round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1) AS p99_ms, round(avg(ms)::numeric, 1) AS avg_ms FROM samples GROUP BY stage ORDER BY array_position(ARRAY['queue', 'retry_wait', 'llm', 'scoring', 'persistence', 'end_to_end'], stage)"
  demo_sql "this run: LLM errors" \
    "$run SELECT error_type, http_status, count(*) AS occurrences, round(avg(delay_applied_ms)) AS avg_delay_ms FROM llm_errors JOIN run USING (question_id) GROUP BY 1, 2 ORDER BY 3 DESC"
  printf '\nAll-time views: ./qaflow psql -c "SELECT * FROM latency_by_stage" (also error_distribution, regeneration_analysis).\n'
  printf '\nThe stack is still running: ./qaflow status, ./qaflow psql, Flink UI http://127.0.0.1:%s, ./qaflow down to stop.\n' "${QAFLOW_FLINK_PORT:-8081}"
}
