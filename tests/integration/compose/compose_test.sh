#!/usr/bin/env bash
# compose_test.sh: the docker-compose deployment for real -- base image, images, `docker-compose up -d`, questions through storage to completion, `docker-compose down -v`, nothing left.
#
# Every container uses the host's network; every port is QAFLOW_TEST_PORT_BASE + 950..964 (the
# test's range). The LLM is qaflow-llm-stub (profile stub). QAFLOW_COMPOSE_CMD="docker compose" tests Compose v2. A Docker engine that answers is used as
# it is; otherwise dockerd is started for the test and stopped at its end. Every wait is bounded.
set -euo pipefail

ROOT="${QAFLOW_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}"
BASE="${QAFLOW_TEST_PORT_BASE:-25000}"
QUESTIONS="${QAFLOW_COMPOSE_TEST_QUESTIONS:-5}"
cd "$ROOT"

export QAFLOW_STORAGE_PORT=$((BASE + 950)) QAFLOW_SCORER_PORT=$((BASE + 951)) QAFLOW_PG_PORT=$((BASE + 952))
export QAFLOW_REDIS_PORT=$((BASE + 953)) QAFLOW_KAFKA_PORT=$((BASE + 954)) QAFLOW_KAFKA_CONTROLLER_PORT=$((BASE + 955))
export QAFLOW_FLINK_PORT=$((BASE + 956)) QAFLOW_FLINK_RPC_PORT=$((BASE + 957)) QAFLOW_CONSOLE_PORT=$((BASE + 958))
export QAFLOW_LLMSTUB_PORT=$((BASE + 959)) QAFLOW_LLM_WORKER_METRICS_PORT=$((BASE + 960))
export QAFLOW_RETRY_OVERLOAD_PORT=$((BASE + 962)) QAFLOW_RETRY_QUOTA_PORT=$((BASE + 963))
export QAFLOW_LLAMA_PORT=$((BASE + 964)) QAFLOW_PROMETHEUS_PORT=$((BASE + 965))
export COMPOSE_PROJECT_NAME="qaflow-test-$BASE" COMPOSE_PROFILES=stub
export QAFLOW_VAR="${QAFLOW_TEST_VAR:-$ROOT/var/test-$BASE}/compose"
# The engine's own settings are none of the test's business (a DOCKER_HOST of the caller is kept).
unset QAFLOW_KAFKA_BOOTSTRAP QAFLOW_PG_DSN QAFLOW_FLINK_URL QAFLOW_LLM QAFLOW_LLM_URL QAFLOW_SCORER_URLS
PORTS=$(seq $((BASE + 950)) $((BASE + 964)))
# QAFLOW_COMPOSE_CMD: the Compose to test, "docker-compose" (Debian's 1.29, the default) or "docker compose" (v2).
read -r -a COMPOSE <<<"${QAFLOW_COMPOSE_CMD:-docker-compose}"
DC=(timeout 900 "${COMPOSE[@]}" --ansi never)
T0=$SECONDS

say() { printf '%s compose_test: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
step() { say "[$((SECONDS - T0)) s] $*"; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_until DESC TIMEOUT_S CMD...: CMD every second until it succeeds, or fail.
wait_until() {
  local desc="$1" timeout="$2"; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "timed out after ${timeout}s waiting for $desc"
    sleep 1
  done
}

project_containers() { docker ps -aq --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME"; }
project_volumes() { docker volume ls -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME"; }

cleanup() {
  local rc=$?
  set +e
  if ((rc != 0)) && [[ -n "$(project_containers 2>/dev/null)" ]]; then
    say "state of the project's containers, and the end of their logs:"
    "${DC[@]}" ps >&2
    timeout 60 "${COMPOSE[@]}" --ansi never logs --no-color --tail 25 >&2
  fi
  if timeout 10 docker info >/dev/null 2>&1; then
    "${DC[@]}" down -v --remove-orphans --timeout 30 >&2 || say "docker-compose down failed"
  fi
  docker/engine.sh stop
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for p in $PORTS; do
  port_open "$p" && fail "port $p (QAFLOW_TEST_PORT_BASE + $((p - BASE))) is taken before the test starts"
done

step "packages and the Docker engine"
docker/engine.sh setup
docker/engine.sh start
[[ -z "$(project_containers)" ]] || "${DC[@]}" down -v --remove-orphans --timeout 30 >&2

step "base image (debootstrap, cached) and the staged jars and models"
timeout 900 docker/build-base.sh
timeout 900 docker/stage.sh

step "docker-compose config (the file is valid)"
"${DC[@]}" config -q
services="$("${DC[@]}" config --services | sort | tr '\n' ' ')"
for s in console flink-job flink-jobmanager flink-taskmanager kafka llm-stub llm-worker-1 llm-worker-2 migrate postgres \
  redis retry-overload retry-quota scorer storage topics; do
  [[ " $services " == *" $s "* ]] || fail "service $s missing from docker-compose config (have: $services)"
done

step "docker-compose build"
"${DC[@]}" build >&2

step "docker-compose up -d"
"${DC[@]}" up -d >&2

# (by label: Compose v2's `ps` lists no exited container without --all)
container_of() {
  docker ps -aq --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME" \
    --filter "label=com.docker.compose.service=$1" | head -n1
}
state_of() { docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$(container_of "$1")" 2>/dev/null; }
healthy() { [[ "$(docker inspect -f '{{.State.Health.Status}}' "$(container_of "$1")" 2>/dev/null)" == healthy ]]; }
job_done() { [[ "$(state_of flink-job)" == "exited 0" ]]; }

for s in postgres redis kafka flink-jobmanager flink-taskmanager scorer storage llm-worker-1 llm-worker-2 retry-overload \
  retry-quota console llm-stub; do
  wait_until "$s to be healthy" 300 healthy "$s"
done
wait_until "the ScoreJob to be submitted (flink-job exits 0)" 300 job_done
for s in migrate topics; do
  [[ "$(state_of "$s")" == "exited 0" ]] || fail "one-shot service $s: $(state_of "$s")"
done
curl -fsS --max-time 5 "http://127.0.0.1:$QAFLOW_FLINK_PORT/jobs/overview" \
  | jq -e '[.jobs[] | select(.name == "qaflow-scorejob" and .state == "RUNNING")] | length == 1' >/dev/null \
  || fail "the ScoreJob is not RUNNING on the Flink JobManager"
step "every service healthy; the ScoreJob runs"

run="compose-$BASE-$$-$(date +%s)"
declare -a ids=()
for ((i = 1; i <= QUESTIONS; i++)); do
  body="$(jq -nc --arg q "Question $i of $run: why is the sky blue?" \
    --arg a "Sunlight is scattered by the molecules of the air, and blue light is scattered most." \
    '{question_text: $q, original_answer: $a}')"
  res="$(curl -sS --max-time 10 -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' -d "$body" \
    "http://127.0.0.1:$QAFLOW_STORAGE_PORT/query")"
  code="$(tail -n1 <<<"$res")"
  [[ "$code" == 202 ]] || fail "POST /query answered $code: $(head -n1 <<<"$res")"
  ids+=("$(head -n1 <<<"$res" | jq -r .question_id)")
done
step "${#ids[@]} questions accepted (202): ${ids[*]}"

all_completed() {
  local id
  for id in "${ids[@]}"; do
    curl -fsS --max-time 5 "http://127.0.0.1:$QAFLOW_STORAGE_PORT/status/$id" | jq -e '.status == "completed"' >/dev/null || return 1
  done
}
wait_until "every question to complete (GET /status)" 300 all_completed
step "every question completed (GET /status)"

# PostgreSQL has each of them completed, with its scored response.
in_list="$(printf "'%s'," "${ids[@]}")"
n="$(PGPASSWORD=qaflow psql -X -tA -h 127.0.0.1 -p "$QAFLOW_PG_PORT" -U qaflow -d qaflow -c \
  "SELECT count(*) FROM questions q JOIN responses r USING (question_id)
   WHERE q.question_id IN (${in_list%,}) AND q.status = 'completed' AND r.bert_score IS NOT NULL AND r.processing_attempts >= 1")"
[[ "$n" == "${#ids[@]}" ]] || fail "PostgreSQL has $n of ${#ids[@]} questions completed with a response"
# Asking again is answered from the cache or the database: 200 completed, nothing enqueued.
res="$(curl -sS --max-time 10 -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' -d "$body" \
  "http://127.0.0.1:$QAFLOW_STORAGE_PORT/query")"
[[ "$(tail -n1 <<<"$res")" == 200 ]] && head -n1 <<<"$res" | jq -e '.status == "completed"' >/dev/null \
  || fail "POST /query of a completed question: $res"
curl -fsS --max-time 5 "http://127.0.0.1:$QAFLOW_CONSOLE_PORT/health" >/dev/null || fail "the console's /health"
step "PostgreSQL has all ${#ids[@]} completed with their responses; a repeated question is answered completed"

step "docker-compose down -v"
"${DC[@]}" down -v --remove-orphans --timeout 30 >&2
[[ -z "$(project_containers)" ]] || fail "containers left after down: $(project_containers | tr '\n' ' ')"
[[ -z "$(project_volumes)" ]] || fail "volumes left after down -v: $(project_volumes | tr '\n' ' ')"
for p in $PORTS; do
  port_open "$p" && fail "port $p still open after down"
done
step "nothing left: no container, no volume, no open port"
echo "compose_test: passed in $((SECONDS - T0)) s"
