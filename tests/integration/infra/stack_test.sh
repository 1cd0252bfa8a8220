#!/usr/bin/env bash
# stack_test.sh: integration checks of the stack started by `./qaflow test-stack up` (one case per ctest test).
# Usage: stack_test.sh env|topics|key_partitioning|consumer_group|postgres|migrations|redis|launcher_redis|launcher_llm_switch
set -euo pipefail

ROOT="${QAFLOW_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}"
CASE="${1:?usage: stack_test.sh CASE}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/qaflow-infra-test.XXXXXX")"
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() { # check DESC CMD...: CMD must succeed
  local desc="$1"; shift
  if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
check_eq() { # check_eq DESC EXPECTED ACTUAL
  if [[ "$2" == "$3" ]]; then ok "$1"; else not_ok "$1: expected '$2', got '$3'"; fi
}
finish() {
  echo "$PASS passed, $FAIL failed"
  ((FAIL == 0 && PASS > 0))
}
require_env() {
  local v
  for v in "$@"; do
    [[ -n "${!v:-}" ]] || { echo "not ok - $v is not set: run under ./qaflow test or eval \"\$(./qaflow test-stack env)\""; exit 1; }
  done
}
uniq_id() { printf '%s-%s-%s' "$1" "$$" "$(head -c6 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }

# wait_until TIMEOUT_S CMD...: poll CMD every 0.2 s.
wait_until() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# make_topic PARTITIONS: create a private topic for this test, print its name.
make_topic() {
  local t; t="$(uniq_id infra-test)"
  "$ROOT/qaflow" kafka-topics --bootstrap-server "$QAFLOW_TEST_KAFKA" --create --topic "$t" \
    --partitions "$1" --replication-factor 1 >/dev/null 2>&1 || { echo "not ok - cannot create topic $t"; exit 1; }
  printf '%s' "$t"
}

# consume_all TOPIC: print "partition key value" for every message of TOPIC.
consume_all() { kcat -C -b "$QAFLOW_TEST_KAFKA" -t "$1" -o beginning -e -q -f '%p %k %s\n'; }

case_topics() {
  require_env QAFLOW_TEST_KAFKA
  local meta name parts have
  meta="$(kcat -L -J -b "$QAFLOW_TEST_KAFKA" -m 10 | jq -r '.topics[] | "\(.topic) \(.partitions | length)"')"
  local n=0
  while read -r name parts; do
    [[ -z "$name" || "$name" == \#* ]] && continue
    n=$((n + 1))
    have="$(awk -v t="$name" '$1 == t { print $2 }' <<<"$meta")"
    check_eq "topic $name exists with $parts partitions" "$parts" "$have"
  done <"$ROOT/infra/kafka/topics.txt"
  check_eq "topics.txt lists the 7 agreed topics" 7 "$n"
  # The seed's counts, independent of topics.txt, so an edit there cannot hide a wrong count.
  check_eq "questions-pending has 3 partitions" 3 "$(awk '$1 == "questions-pending" { print $2 }' <<<"$meta")"
  check_eq "low-quality-responses has 1 partition" 1 "$(awk '$1 == "low-quality-responses" { print $2 }' <<<"$meta")"
  check_eq "questions-failed has 1 partition" 1 "$(awk '$1 == "questions-failed" { print $2 }' <<<"$meta")"
  local broker_auto
  broker_auto="$(kcat -L -b "$QAFLOW_TEST_KAFKA" -t "$(uniq_id no-such-topic)" -m 5 2>&1 | grep -c 'Broker: Unknown topic' || true)"
  check "a topic nobody created is not auto-created" test "$broker_auto" -ge 1
}

case_key_partitioning() {
  require_env QAFLOW_TEST_KAFKA
  local topic keys=20 rounds=3 k r
  topic="$(make_topic 3)"
  for ((r = 0; r < rounds; r++)); do
    for ((k = 0; k < keys; k++)); do printf 'qid-%02d:round-%d\n' "$k" "$r"; done
  done | kcat -P -X partitioner=murmur2_random -b "$QAFLOW_TEST_KAFKA" -t "$topic" -K: -X enable.idempotence=true -X acks=all
  consume_all "$topic" >"$WORK/msgs"
  check_eq "every produced message was consumed" $((keys * rounds)) "$(wc -l <"$WORK/msgs" | tr -d ' ')"
  local spread
  spread="$(awk '{ print $2, $1 }' "$WORK/msgs" | sort -u | awk '{ print $1 }' | uniq -d | wc -l | tr -d ' ')"
  check_eq "each key's messages all landed on one partition" 0 "$spread"
  check "the $keys keys use more than one partition" \
    test "$(awk '{ print $1 }' "$WORK/msgs" | sort -u | wc -l)" -ge 2
  # Order within a key is kept: round 0, 1, 2 in that order for every key.
  local disorder
  disorder="$(awk '{ split($3, a, "-"); if ($2 in last && a[2] <= last[$2]) bad++; last[$2] = a[2] } END { print bad + 0 }' "$WORK/msgs")"
  check_eq "messages of one key are consumed in produce order" 0 "$disorder"
}

# member_assigned LOG: the member's latest rebalance gave it at least one partition.
member_assigned() { grep 'rebalanced' "$1" | tail -n1 | grep -q 'assigned:.*\['; }
assigned_parts() { grep 'rebalanced' "$1" | tail -n1 | grep -o 'assigned:.*' | grep -o '\[[0-9]*\]' | tr -d '[]' | sort; }

case_consumer_group() {
  require_env QAFLOW_TEST_KAFKA
  local topic group
  topic="$(make_topic 3)"
  group="$(uniq_id infra-group)"
  kcat -b "$QAFLOW_TEST_KAFKA" -G "$group" -X auto.offset.reset=earliest -f 'A %p %k %s\n' -u "$topic" \
    >"$WORK/a.out" 2>"$WORK/a.err" &
  PIDS+=($!)
  wait_until 60 member_assigned "$WORK/a.err" || { cat "$WORK/a.err"; not_ok "first member got no assignment"; finish; }
  kcat -b "$QAFLOW_TEST_KAFKA" -G "$group" -X auto.offset.reset=earliest -f 'B %p %k %s\n' -u "$topic" \
    >"$WORK/b.out" 2>"$WORK/b.err" &
  PIDS+=($!)
  both_assigned() {
    member_assigned "$WORK/b.err" || return 1
    # After B joins, A is revoked and reassigned: its latest assignment must not overlap B's.
    [[ -z "$(comm -12 <(assigned_parts "$WORK/a.err") <(assigned_parts "$WORK/b.err"))" ]] || return 1
    [[ "$(cat <(assigned_parts "$WORK/a.err") <(assigned_parts "$WORK/b.err") | sort -u | wc -l)" == 3 ]]
  }
  if wait_until 90 both_assigned; then
    ok "two members of one group split the 3 partitions (A: $(assigned_parts "$WORK/a.err" | tr '\n' ' ')B: $(assigned_parts "$WORK/b.err" | tr '\n' ' '))"
  else
    not_ok "two members did not split the partitions"; cat "$WORK/a.err" "$WORK/b.err"
  fi
  local n=30 k
  for ((k = 0; k < n; k++)); do printf 'key-%02d:v%02d\n' "$k" "$k"; done \
    | kcat -P -X partitioner=murmur2_random -b "$QAFLOW_TEST_KAFKA" -t "$topic" -K:
  total() { [[ "$(cat "$WORK/a.out" "$WORK/b.out" | wc -l)" -ge $n ]]; }
  wait_until 60 total || true
  sleep 1 # let a duplicate, if any, arrive before counting
  check_eq "the group received each of the $n messages exactly once" "$n" \
    "$(cat "$WORK/a.out" "$WORK/b.out" | awk '{ print $3 }' | sort -u | wc -l | tr -d ' ')"
  check_eq "no message was delivered twice" "$n" "$(cat "$WORK/a.out" "$WORK/b.out" | wc -l | tr -d ' ')"
  check "member A received messages" test -s "$WORK/a.out"
  check "member B received messages" test -s "$WORK/b.out"
}

case_postgres() {
  require_env QAFLOW_TEST_PG_DSN
  check_eq "PostgreSQL answers on the DSN" 1 "$(psql -X -tA "$QAFLOW_TEST_PG_DSN" -c 'SELECT 1')"
  check "it is PostgreSQL 15" bash -c "psql -X -tA '$QAFLOW_TEST_PG_DSN' -c 'SHOW server_version' | grep -q '^15\.'"
  check_eq "it listens on 127.0.0.1 only" 127.0.0.1 "$(psql -X -tA "$QAFLOW_TEST_PG_DSN" -c 'SHOW listen_addresses')"
  if [[ -n "${QAFLOW_TEST_VAR:-}" && -s "$QAFLOW_TEST_VAR/run/postgres.pid" ]]; then
    local owner
    owner="$(ps -o user= -p "$(head -n1 "$QAFLOW_TEST_VAR/run/postgres.pid")" | tr -d ' ')"
    check "the postmaster runs as a non-root user ($owner)" test -n "$owner" -a "$owner" != root
  fi
  local f files=0 recorded
  shopt -s nullglob
  for f in "$ROOT"/sql/*.sql; do
    files=$((files + 1))
    recorded="$(psql -X -tA "$QAFLOW_TEST_PG_DSN" -c "SELECT count(*) FROM schema_migrations WHERE version = '$(basename "$f")'")"
    check_eq "migration $(basename "$f") recorded once" 1 "$recorded"
  done
  check_eq "schema_migrations holds exactly the migrations in sql/" "$files" \
    "$(psql -X -tA "$QAFLOW_TEST_PG_DSN" -c 'SELECT count(*) FROM schema_migrations')"
  local port; port="$(sed 's/.*:\([0-9]*\)\/.*/\1/' <<<"$QAFLOW_TEST_PG_DSN")"
  check_eq "./qaflow psql passes its arguments to psql" 42 \
    "$(QAFLOW_PG_PORT="$port" "$ROOT/qaflow" psql -tA -c 'SELECT 40 + 2')"
  # Applying again changes nothing (each migration once).
  local before after
  before="$(psql -X -tA "$QAFLOW_TEST_PG_DSN" -c 'SELECT string_agg(version || applied_at::text, chr(44) ORDER BY version) FROM schema_migrations')"
  check "test-stack up is idempotent" bash -c "'$ROOT/qaflow' test-stack up >/dev/null 2>&1"
  after="$(psql -X -tA "$QAFLOW_TEST_PG_DSN" -c 'SELECT string_agg(version || applied_at::text, chr(44) ORDER BY version) FROM schema_migrations')"
  check_eq "a second up applies no migration again" "$before" "$after"
}

# The migration runner itself, on a private database: order, once each, all-or-nothing per file.
case_migrations() {
  require_env QAFLOW_TEST_PG_DSN QAFLOW_TEST_PORT_BASE
  local dsn
  db="$(uniq_id infra_mig | tr -- '-' '_')"
  dsn="${QAFLOW_TEST_PG_DSN%/*}/$db"
  psql -X -q "$QAFLOW_TEST_PG_DSN" -c "CREATE DATABASE $db" || { not_ok "cannot create database $db"; finish; }
  drop_db() { psql -X -q "$QAFLOW_TEST_PG_DSN" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; }
  trap 'drop_db; cleanup' EXIT
  mkdir -p "$WORK/sql"
  echo "CREATE TABLE t (id int PRIMARY KEY);" >"$WORK/sql/001_t.sql"
  echo "INSERT INTO t VALUES (1); ALTER TABLE t ADD COLUMN v text;" >"$WORK/sql/002_v.sql"
  migrate() {
    QAFLOW_SQL_DIR="$WORK/sql" QAFLOW_PG_DB="$db" QAFLOW_PG_PORT="$(sed 's/.*:\([0-9]*\)\/.*/\1/' <<<"$QAFLOW_TEST_PG_DSN")" \
      "$ROOT/qaflow" migrate >>"$WORK/migrate.log" 2>&1
  }
  check "two migrations apply" migrate
  check_eq "both recorded, in order" "001_t.sql,002_v.sql" \
    "$(psql -X -tA "$dsn" -c 'SELECT string_agg(version, chr(44) ORDER BY applied_at, version) FROM schema_migrations')"
  check "a second run applies nothing again" migrate
  check_eq "the data migration ran once" 1 "$(psql -X -tA "$dsn" -c 'SELECT count(*) FROM t')"
  echo "INSERT INTO t VALUES (2); SELECT no_such_function();" >"$WORK/sql/003_bad.sql"
  echo "INSERT INTO t VALUES (4);" >"$WORK/sql/004_after.sql"
  if migrate; then not_ok "a failing migration makes migrate fail"; else ok "a failing migration makes migrate fail"; fi
  check_eq "nothing of the failed migration is left" 1 "$(psql -X -tA "$dsn" -c 'SELECT count(*) FROM t')"
  check_eq "the failed migration is not recorded and later ones are not run" 2 \
    "$(psql -X -tA "$dsn" -c 'SELECT count(*) FROM schema_migrations')"
}

redis_cfg() { redis-cli -h "${1%:*}" -p "${1##*:}" config get "$2" | sed -n 2p; }

case_redis() {
  require_env QAFLOW_TEST_REDIS
  check_eq "Redis answers" PONG "$(redis-cli -h "${QAFLOW_TEST_REDIS%:*}" -p "${QAFLOW_TEST_REDIS##*:}" ping)"
  check_eq "maxmemory-policy is the configured one" "${QAFLOW_REDIS_POLICY:-allkeys-lru}" \
    "$(redis_cfg "$QAFLOW_TEST_REDIS" maxmemory-policy)"
  check "maxmemory is set (a cache, not a store)" test "$(redis_cfg "$QAFLOW_TEST_REDIS" maxmemory)" -gt 0
  check_eq "no RDB snapshots" "" "$(redis_cfg "$QAFLOW_TEST_REDIS" save)"
  check_eq "no AOF" no "$(redis_cfg "$QAFLOW_TEST_REDIS" appendonly)"
  check_eq "bound to 127.0.0.1" 127.0.0.1 "$(redis_cfg "$QAFLOW_TEST_REDIS" bind)"
}

# A private Redis started by the launcher itself, with the LFU policy and a small maxmemory:
# the launcher's settings reach the server, and the cache evicts instead of refusing writes.
case_launcher_redis() {
  require_env QAFLOW_TEST_PORT_BASE
  local port=$((QAFLOW_TEST_PORT_BASE + 890))
  export QAFLOW_VAR="$WORK/var" QAFLOW_REDIS_PORT="$port" QAFLOW_REDIS_POLICY=allkeys-lfu QAFLOW_REDIS_MAXMEMORY=2mb
  stop_private() { "$ROOT/qaflow" down redis >/dev/null 2>&1 || true; }
  trap 'stop_private; cleanup' EXIT
  # A stale pid file naming a live but unrelated process (this shell) must not fool up/status.
  mkdir -p "$QAFLOW_VAR/run"
  printf '%s\n' "$$" >"$QAFLOW_VAR/run/redis.pid"
  printf '1\n' >"$QAFLOW_VAR/run/redis.pid.start"
  check "status ignores a pid file whose pid now belongs to another process" \
    bash -c "'$ROOT/qaflow' status redis | grep -Eq '^redis +down'"
  check "./qaflow up redis starts it" bash -c "'$ROOT/qaflow' up redis >'$WORK/up.log' 2>&1"
  check "the pid file names the new server, not the stale pid" \
    test "$(cat "$QAFLOW_VAR/run/redis.pid")" != "$$"
  check "the pid file holds just the pid" grep -Eqx '[0-9]+' "$QAFLOW_VAR/run/redis.pid"
  check "status shows it up on its port" bash -c "'$ROOT/qaflow' status redis | grep -Eq '^redis +up +$port +[0-9]+'"
  check_eq "maxmemory-policy allkeys-lfu selected from the launcher" allkeys-lfu "$(redis_cfg "127.0.0.1:$port" maxmemory-policy)"
  check_eq "maxmemory from the launcher" $((2 * 1024 * 1024)) "$(redis_cfg "127.0.0.1:$port" maxmemory)"
  local i val
  val="$(head -c 4096 /dev/zero | tr '\0' x)"
  for ((i = 0; i < 2000; i++)); do printf 'SET k%d %s\n' "$i" "$val"; done \
    | redis-cli -p "$port" >/dev/null
  check "writes beyond maxmemory evict keys instead of failing" \
    test "$(redis-cli -p "$port" info stats | awk -F: '/^evicted_keys/ { print $2 + 0 }')" -gt 0
  check "up again is a no-op" bash -c "'$ROOT/qaflow' up redis >/dev/null 2>&1"
  check "an unknown policy is refused" bash -c "! QAFLOW_REDIS_POLICY=lru-ish '$ROOT/qaflow' up redis >/dev/null 2>&1"
  check "./qaflow down redis stops it" bash -c "'$ROOT/qaflow' down redis >/dev/null 2>&1"
  check "nothing answers on its port after down" bash -c "! redis-cli -p $port ping >/dev/null 2>&1"
  check "status shows it down" bash -c "'$ROOT/qaflow' status redis | grep -Eq '^redis +down'"
}

# `./qaflow up --llm MODE` on a stack running another LLM switches it at once (never waits out a timeout on
# the old process): the stub, then an external OpenAI-compatible server (a second stub), then the stub again.
case_launcher_llm_switch() {
  require_env QAFLOW_TEST_PORT_BASE QAFLOW_BIN_DIR
  local port=$((QAFLOW_TEST_PORT_BASE + 891)) ext=$((QAFLOW_TEST_PORT_BASE + 892)) old t0
  export QAFLOW_VAR="$WORK/var" QAFLOW_LLMSTUB_PORT="$port" QAFLOW_START_TIMEOUT=60
  stop_private() { "$ROOT/qaflow" down llm >/dev/null 2>&1 || true; }
  trap 'stop_private; cleanup' EXIT
  "$QAFLOW_BIN_DIR/qaflow-llm-stub" --port "$ext" >"$WORK/ext.log" 2>&1 &
  PIDS+=($!)
  check "./qaflow up --llm stub llm" bash -c "'$ROOT/qaflow' up --llm stub llm >'$WORK/up1.log' 2>&1"
  check "status: the stub" bash -c "'$ROOT/qaflow' status llm | grep -q 'mode=stub'"
  old="$(cat "$QAFLOW_VAR/run/llm.pid")"
  t0=$SECONDS
  check "up --llm openai switches" bash -c "QAFLOW_OPENAI_URL=http://127.0.0.1:$ext QAFLOW_OPENAI_MODEL=m \
    '$ROOT/qaflow' up --llm openai llm >'$WORK/up2.log' 2>&1"
  check "it said so" grep -q "switching the LLM from stub to openai" "$WORK/up2.log"
  check "the old stub is stopped" bash -c "! kill -0 $old 2>/dev/null || [[ \$(cut -d' ' -f3 /proc/$old/stat) == Z ]]"
  check "status: the external server" bash -c "'$ROOT/qaflow' status llm | grep -q 'mode=openai'"
  check "up --llm stub switches back" bash -c "'$ROOT/qaflow' up --llm stub llm >'$WORK/up3.log' 2>&1"
  check "status: the stub again, answering" bash -c "'$ROOT/qaflow' status llm | grep -q 'mode=stub' &&
    curl -sf -m 5 http://127.0.0.1:$port/api/tags >/dev/null"
  check "the switches took seconds, not a start timeout ($((SECONDS - t0)) s)" test $((SECONDS - t0)) -lt 30
  check "up without --llm keeps the running LLM" bash -c "QAFLOW_LLM=auto '$ROOT/qaflow' up llm >/dev/null 2>&1 &&
    '$ROOT/qaflow' status llm | grep -q 'mode=stub'"
}

# test-stack env: every address derives from QAFLOW_TEST_PORT_BASE as agreed, and evaluates in a shell.
case_env() {
  local out
  out="$(cd "$ROOT" && QAFLOW_TEST_PORT_BASE=31000 QAFLOW_BUILD_DIR=build-x QAFLOW_BIN_DIR= ./qaflow test-stack env)"
  check "the output evaluates" bash -c "$out"
  (
    eval "$out"
    check_eq "Kafka at base+92" 127.0.0.1:31092 "$QAFLOW_TEST_KAFKA"
    check_eq "PostgreSQL at base+432" postgresql://qaflow:qaflow@127.0.0.1:31432/qaflow "$QAFLOW_TEST_PG_DSN"
    check_eq "Redis at base+379" 127.0.0.1:31379 "$QAFLOW_TEST_REDIS"
    check_eq "the base itself" 31000 "$QAFLOW_TEST_PORT_BASE"
    check_eq "binaries in the build dir's bin/" "$ROOT/build-x/bin" "$QAFLOW_BIN_DIR"
    check "a model dir is given" test -n "$QAFLOW_MODEL_DIR"
    finish
  )
  exit $?
}

case "$CASE" in
  env | topics | key_partitioning | consumer_group | postgres | migrations | redis | launcher_redis | launcher_llm_switch) "case_$CASE" ;;
  *) echo "unknown case $CASE" >&2; exit 2 ;;
esac
finish
