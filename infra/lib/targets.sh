# infra/lib/targets.sh: every qaflow service that serves /health and /metrics (each replica), for the console and Prometheus.

# qf_service_targets: one line per service process: `NAME BASE_URL METRICS_PATH` (the path may carry a query,
# e.g. qaflow-storage's /metrics?format=prometheus). The LLM stub is listed when the llm component runs it.
qf_service_targets() {
  local i mode=""
  printf 'storage http://127.0.0.1:%s /metrics?format=prometheus\n' "$QAFLOW_STORAGE_PORT"
  for ((i = 2; i <= ${QAFLOW_STORAGE_REPLICAS:-1}; i++)); do # replicas: see infra/components/storage.sh
    printf 'storage-%s http://127.0.0.1:%s /metrics?format=prometheus\n' "$i" "$((${QAFLOW_STORAGE_REPLICA_PORT:-5031} + i - 2))"
  done
  printf 'scorer http://127.0.0.1:%s /metrics\n' "${QAFLOW_SCORER_PORT:-5002}"
  for ((i = 2; i <= ${QAFLOW_SCORERS:-1}; i++)); do # replicas: see infra/components/scorer.sh
    printf 'scorer-%s http://127.0.0.1:%s /metrics\n' "$i" "$((${QAFLOW_SCORER_REPLICA_PORT:-5041} + i - 2))"
  done
  for ((i = 1; i <= ${QAFLOW_LLM_WORKERS:-2}; i++)); do
    printf 'llm-worker-%s http://127.0.0.1:%s /metrics\n' "$i" "$((${QAFLOW_LLM_WORKER_METRICS_PORT:-5011} + i - 1))"
  done
  printf 'retry-overload http://127.0.0.1:%s /metrics\n' "${QAFLOW_RETRY_OVERLOAD_PORT:-5021}"
  printf 'retry-quota http://127.0.0.1:%s /metrics\n' "${QAFLOW_RETRY_QUOTA_PORT:-5022}"
  [[ -f "$QAFLOW_VAR/run/llm.env" ]] && mode="$(sed -n 's/^export QAFLOW_LLM_MODE=//p' "$QAFLOW_VAR/run/llm.env" | tr -d "'\"")"
  case "$mode" in
    stub | chaos) printf 'llm-stub http://127.0.0.1:%s /metrics\n' "${QAFLOW_LLMSTUB_PORT:-11435}" ;;
  esac
  printf 'console http://127.0.0.1:%s /metrics\n' "$QAFLOW_CONSOLE_PORT"
}
