#!/usr/bin/env bash
# console_browser.sh -- the console's pages in Debian's chromium (headless, driven by playwright-core from npm) on the whole
# real pipeline: LLM stub, storage, LLM worker, retry, qaflow-scorer and the Flink ScoreJob. browser_test.js does the
# checks; the screenshots stay in $CONSOLE_SHOTS.
set -euo pipefail
: "${CONSOLE_BIN:?set by CMake}" "${CONSOLE_SHOTS:?set by CMake}"
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../flink/lib.sh
source "$here/../flink/lib.sh"
ft_init console-browser
command -v chromium >/dev/null || ft_die "chromium is not installed (./qaflow setup installs it)"
command -v node >/dev/null || ft_die "node is not installed"
[[ -d "$QAFLOW_ROOT/src/console/node_modules/playwright-core" ]] || ft_die "playwright-core missing: run ./qaflow setup"
CONSOLE_PORT=$((QAFLOW_TEST_PORT_BASE + 701))
cb_cleanup() { local rc=$?; qf_stop console 10 2>/dev/null || true; set +e; (exit "$rc"); ft_cleanup; }
trap cb_cleanup EXIT

ft_scorer_start scorer "$FT_SCORER_PORT"
qf_spawn llm-stub "$(ft_bin qaflow-llm-stub)" --port "$FT_STUB_PORT"
qf_wait_for "llm stub" 60 qf_http_ok "http://127.0.0.1:$FT_STUB_PORT/health" || ft_die "stub did not start"
qf_spawn storage "$(ft_bin qaflow-storage)" --port "$FT_STORAGE_PORT" --kafka "$FT_K" --pg-dsn "$QAFLOW_TEST_PG_DSN" \
  --redis "$QAFLOW_TEST_REDIS" --group "qaflow-storage-$FT_RUN"
qf_wait_for "storage" 60 qf_http_ok "http://127.0.0.1:$FT_STORAGE_PORT/health" || ft_die "storage did not start"
qf_spawn llm-worker "$(ft_bin qaflow-llm-worker)" --brokers "$FT_K" --group "qaflow-llm-workers-$FT_RUN" --backend ollama \
  --llm-url "http://127.0.0.1:$FT_STUB_PORT" --metrics-port "$FT_WORKER_PORT"
qf_wait_for "llm worker" 60 qf_http_ok "http://127.0.0.1:$FT_WORKER_PORT/health" || ft_die "worker did not start"
qf_spawn retry "$(ft_bin qaflow-retry)" --policy overload --brokers "$FT_K" --group "qaflow-retry-overload-$FT_RUN" \
  --pg-dsn "$QAFLOW_TEST_PG_DSN" --metrics-port "$FT_RETRY_PORT"
qf_wait_for "retry consumer" 60 qf_http_ok "http://127.0.0.1:$FT_RETRY_PORT/health" || ft_die "retry did not start"
ft_cluster_and_job --scorer "http://127.0.0.1:$FT_SCORER_PORT" --threshold 0.5 --max-regenerations 2

qf_spawn console "$CONSOLE_BIN" --port "$CONSOLE_PORT" --brokers "$FT_K" --pg-dsn "$QAFLOW_TEST_PG_DSN" \
  --storage-url "http://127.0.0.1:$FT_STORAGE_PORT" --flink-url "$(flink_url)" --interval-ms 1000 \
  --vendor "$QAFLOW_ROOT/src/console/node_modules" --service "storage=http://127.0.0.1:$FT_STORAGE_PORT" \
  --service "scorer=http://127.0.0.1:$FT_SCORER_PORT" --service "llm-worker-1=http://127.0.0.1:$FT_WORKER_PORT" \
  --service "retry-overload=http://127.0.0.1:$FT_RETRY_PORT" --service "llm-stub=http://127.0.0.1:$FT_STUB_PORT"
qf_wait_for "console" 60 qf_http_ok "http://127.0.0.1:$CONSOLE_PORT/health" || ft_die "console did not start"

# the Ask question's answers: a poor one first (regenerated), then a good one
curl -fsS --max-time 10 -H 'Content-Type: application/json' "http://127.0.0.1:$FT_STUB_PORT/admin/script" -d "$(jq -cn \
  --arg m "$FT_RUN ask:" '{match: $m, responses: [{status: 200, answer: "I like trains very much."},
  {status: 200, answer: "Paris is the capital of France."}]}')" >/dev/null || ft_die "stub script"

mkdir -p "$CONSOLE_SHOTS"
CONSOLE_URL="http://127.0.0.1:$CONSOLE_PORT" CONSOLE_RUN="$FT_RUN" CONSOLE_SHOTS="$CONSOLE_SHOTS" \
  NODE_PATH="$QAFLOW_ROOT/src/console/node_modules" node "$here/browser_test.js" || ft_die "browser checks failed"
ft_log "PASS (screenshots in $CONSOLE_SHOTS)"
