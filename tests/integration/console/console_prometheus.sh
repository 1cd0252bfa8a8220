#!/usr/bin/env bash
# console_prometheus.sh -- `./qaflow up --with-prometheus` on the test stack's ports: the shipped rules pass promtool (check
# and unit tests), the generated scrape configuration passes `promtool check config`, and Prometheus' own API reports
# every qaflow target up (each replica) with the alert rules loaded; `./qaflow status` lists the console and Prometheus.
set -euo pipefail
: "${QAFLOW_TEST_PORT_BASE:?run under ./qaflow test}" "${QAFLOW_TEST_KAFKA:?}" "${QAFLOW_TEST_PG_DSN:?}"
root="$(cd "$(dirname "$0")/../../.." && pwd)"
base=$QAFLOW_TEST_PORT_BASE
log() { printf '%s [prometheus] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
fail() { log "FAIL: $*"; for f in "$QAFLOW_VAR"/log/*.log; do [[ -e $f ]] && { echo "---- $f" >&2; tail -n 15 "$f" >&2; }; done; exit 1; }

command -v promtool >/dev/null || fail "promtool missing (./qaflow setup installs the prometheus package)"
log "the shipped alert rules: promtool check rules and promtool test rules"
promtool check rules "$root/infra/prometheus/rules.yml" >&2 || fail "promtool check rules"
(cd "$root/infra/prometheus" && promtool test rules rules_test.yml) >&2 || fail "promtool test rules"

# the launcher's stack on this test's ports; PostgreSQL, Redis and Kafka are the test stack's
export QAFLOW_VAR="$root/var/test-$base/console-prometheus"
export QAFLOW_PG_PORT=$((base + 432)) QAFLOW_REDIS_PORT=$((base + 379)) QAFLOW_KAFKA_PORT="${QAFLOW_TEST_KAFKA##*:}"
export QAFLOW_STORAGE_PORT=$((base + 720)) QAFLOW_SCORER_PORT=$((base + 721)) QAFLOW_LLM_WORKERS=2
export QAFLOW_LLM_WORKER_METRICS_PORT=$((base + 722)) QAFLOW_RETRY_OVERLOAD_PORT=$((base + 724))
export QAFLOW_RETRY_QUOTA_PORT=$((base + 725)) QAFLOW_CONSOLE_PORT=$((base + 726)) QAFLOW_PROMETHEUS_PORT=$((base + 727))
export QAFLOW_LLMSTUB_PORT=$((base + 728)) QAFLOW_FLINK_PORT=$((base + 729)) QAFLOW_LLM=stub
export QAFLOW_STORAGE_GROUP="console-prom-storage-$$" QAFLOW_LLM_GROUP="console-prom-llm-$$"
components=(llm scorer storage llm-worker retry console prometheus)
rm -rf "$QAFLOW_VAR"
cleanup() { local rc=$?; "$root/qaflow" down "${components[@]}" >/dev/null 2>&1 || true; ((rc == 0)) && rm -rf "$QAFLOW_VAR"; exit "$rc"; }
trap cleanup EXIT
trap 'exit 143' TERM INT

log "./qaflow up --with-prometheus ${components[*]}"
"$root/qaflow" up --with-prometheus "${components[@]}" >"$root/var/test-$base/console-prometheus.up.log" 2>&1 ||
  { cat "$root/var/test-$base/console-prometheus.up.log" >&2; fail "./qaflow up"; }
cfg="$QAFLOW_VAR/prometheus/prometheus.yml"
promtool check config "$cfg" >&2 || fail "promtool check config $cfg"

status="$("$root/qaflow" status console prometheus)"
grep -Eq "^console +up +$QAFLOW_CONSOLE_PORT " <<<"$status" || fail "status: $status"
grep -Eq "^prometheus +up +$QAFLOW_PROMETHEUS_PORT " <<<"$status" || fail "status: $status"

prom="http://127.0.0.1:$QAFLOW_PROMETHEUS_PORT"
want=$(bash -c "source '$root/infra/lib/targets.sh'; QAFLOW_VAR='$QAFLOW_VAR'; qf_service_targets" | wc -l)
log "waiting for the $want targets to be up in Prometheus' API"
all_up() {
  curl -fs -m 5 "$prom/api/v1/targets" | jq -e --argjson n "$want" \
    '[.data.activeTargets[] | select(.health == "up")] | length == $n' >/dev/null
}
deadline=$((SECONDS + 90))
until all_up; do
  ((SECONDS < deadline)) || fail "targets: $(curl -fs -m 5 "$prom/api/v1/targets" | jq -c '[.data.activeTargets[] | {job: .labels.job, service: .labels.service, health, lastError}]')"
  sleep 1
done
targets="$(curl -fs -m 5 "$prom/api/v1/targets")"
for svc in storage scorer llm-worker-1 llm-worker-2 retry-overload retry-quota llm-stub console; do
  jq -e --arg s "$svc" '.data.activeTargets | any(.labels.service == $s and .health == "up")' <<<"$targets" >/dev/null ||
    fail "no up target for $svc"
done
jq -e '[.data.activeTargets[] | select(.labels.job == "llm-worker")] | length == 2' <<<"$targets" >/dev/null ||
  fail "the two LLM worker replicas are not one job"

log "the alert rules are loaded and the console's gauges are scraped"
rules="$(curl -fs -m 5 "$prom/api/v1/rules")"
for a in QaflowConsumerLagGrowing QaflowDeadLetters QaflowScorerDown QaflowLLMDown QaflowOutboxBacklog QaflowFlinkJobNotRunning; do
  jq -e --arg a "$a" '[.data.groups[].rules[] | select(.type == "alerting") | .name] | index($a) != null' <<<"$rules" >/dev/null ||
    fail "rule $a not loaded"
done
has_series() {
  curl -fs -m 5 "$prom/api/v1/query" --data-urlencode "query=$1" | jq -e '.data.result | length > 0' >/dev/null
}
deadline=$((SECONDS + 60))
until has_series 'qaflow_console_topic_end_offset{topic="questions-pending"}' && has_series 'qaflow_storage_outbox_pending'; do
  ((SECONDS < deadline)) || fail "console or storage series missing in Prometheus"
  sleep 1
done
curl -fs -m 5 "http://127.0.0.1:$QAFLOW_CONSOLE_PORT/api/overview" | jq -e --arg p "$prom" '.links.prometheus == $p' >/dev/null ||
  fail "the console does not link to this Prometheus"
log PASS
