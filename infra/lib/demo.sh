# infra/lib/demo.sh: ./qaflow demo -- the whole pipeline on sample questions, then a summary from PostgreSQL.

: "${QAFLOW_DEMO_COUNT:=10}"
: "${QAFLOW_DEMO_RATE:=2}"
: "${QAFLOW_DEMO_TIMEOUT:=900}"

# demo_sql TITLE QUERY: print a titled psql table (aligned, no footer).
demo_sql() {
  printf '\n== %s\n' "$1"
  cmd_psql -X -q -P footer=off -c "$2"
}

# cmd_demo [--count N] [--llm MODE]: setup, up, send N sample questions, wait, summarise. The stack stays up.
cmd_demo() {
  while (($# > 0)); do
    case "$1" in
      --count) QAFLOW_DEMO_COUNT="${2:?--count needs a number}"; shift 2 ;;
      --count=*) QAFLOW_DEMO_COUNT="${1#--count=}"; shift ;;
      --llm) export QAFLOW_LLM="${2:?--llm needs a mode}"; shift 2 ;;
      --llm=*) export QAFLOW_LLM="${1#--llm=}"; shift ;;
      *) qf_die "demo: unknown argument '$1' (have --count N, --llm MODE)" ;;
    esac
  done
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
  demo_sql "questions since $since by status" \
    "SELECT status, count(*) FROM questions WHERE updated_at >= '$since' GROUP BY status ORDER BY status"
  demo_sql "attempts distribution (the seed's query, all time)" \
    "SELECT processing_attempts, COUNT(*) AS count FROM responses GROUP BY processing_attempts ORDER BY processing_attempts"
  demo_sql "first vs final score (all time)" \
    "SELECT count(*) AS answers, round(avg(first_score)::numeric, 4) AS avg_first_score, round(avg(final_score)::numeric, 4) AS avg_final_score, round(avg(score_improvement) FILTER (WHERE processing_attempts > 1)::numeric, 4) AS avg_improvement_when_regenerated FROM regeneration_analysis"
  demo_sql "time per stage (latency_by_stage)" "SELECT * FROM latency_by_stage"
  demo_sql "LLM errors (error_distribution)" "SELECT * FROM error_distribution"
  printf '\nThe stack is still running: ./qaflow status, ./qaflow psql, Flink UI http://127.0.0.1:%s, ./qaflow down to stop.\n' "${QAFLOW_FLINK_PORT:-8081}"
}
