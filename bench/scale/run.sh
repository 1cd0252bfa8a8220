#!/usr/bin/env bash
# bench/scale/run.sh: throughput with 1 and with 2 of each part, both topologies in one run (the machine is noisy):
# the default stack (1 broker, 1 TaskManager, parallelism 1, 1 storage, 1 scorer) and ./qaflow up --scale (3 brokers
# with RF 3 / min.insync 2, 2 TaskManagers, parallelism 2, 2 storage, 2 scorers), each with the LLM stub and 2 workers.
#
# usage: bench/scale/run.sh [N]    N questions for the pipeline phase (default 300); ROUNDS (1) repeats both
# env:   QAFLOW_BENCH_PORT_BASE (QAFLOW_TEST_PORT_BASE + 200, else 25200): the stacks' ports, base..base+49
#        KAFKA_MESSAGES (20000), SCORER_PAIRS (400), SCORER_CONCURRENCY (16 per scorer), POSTS (3000)
#
# For each topology, one after the other on the same ports (state in var/bench-scale/<run>/<topology>):
#   kafka    kcat produces KAFKA_MESSAGES 200-byte messages, acks=all + idempotence, to a 3-partition topic with the
#            topology's replication factor and min.insync.replicas: messages/s;
#   scorer   bench/flink/scorer_alone.py on SCORER_PAIRS pairs (reference-like answers from dataset/sample.csv),
#            split over the scorers, all at once: pairs/s;
#   pipeline N new questions, POSTed at once over the storage instances, until every one is completed (the stub
#            scripted to answer like the reference, so one attempt each, as bench/pipeline does): questions/s from
#            PostgreSQL (bench/pipeline/run_stats.sql), and the CPU seconds of each component (bench/pipeline/cpu.py);
#   storage  last (the stack is thrown away after it): POSTS new questions as fast as 32 connections allow, split
#            over the storage instances, while the pipeline starts on them: POSTs/s (qaflow-traffic --rate 0 --no-wait).
# The last lines are "RESULT topology=... kafka_msgs_per_s=... scorer_pairs_per_s=... storage_posts_per_s=...
# pipeline_questions_per_s=..." for each topology; outputs in var/bench-scale/<run>/.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"
N="${1:-300}"
ROUNDS="${ROUNDS:-1}"
KMSG="${KAFKA_MESSAGES:-20000}"
PAIRS="${SCORER_PAIRS:-400}"
SCONC="${SCORER_CONCURRENCY:-16}"
NPOST="${POSTS:-3000}"
BASE="${QAFLOW_BENCH_PORT_BASE:-$((${QAFLOW_TEST_PORT_BASE:-25000} + 200))}"
RUN="sc$(date -u +%Y%m%d%H%M%S)"
OUT="$ROOT/var/bench-scale/$RUN"
BIN="${QAFLOW_BIN_DIR:-$ROOT/build/bin}"
SAMPLE="$ROOT/dataset/sample.csv"
QF="$ROOT/qaflow"
PARTS=(postgres redis kafka storage models llm scorer llm-worker retry flink)
mkdir -p "$OUT"
log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$OUT/log" >&2; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

# topology_env T: the settings of topology T (1: the default, 2: --scale) on the bench's ports.
topology_env() {
  export QAFLOW_VAR="$OUT/t$1"
  export QAFLOW_PG_PORT=$BASE QAFLOW_REDIS_PORT=$((BASE + 1)) QAFLOW_KAFKA_PORT=$((BASE + 2)) QAFLOW_KAFKA_CONTROLLER_PORT=$((BASE + 3))
  export QAFLOW_STORAGE_PORT=$((BASE + 10)) QAFLOW_STORAGE_REPLICA_PORT=$((BASE + 11))
  export QAFLOW_SCORER_PORT=$((BASE + 14)) QAFLOW_SCORER_REPLICA_PORT=$((BASE + 15))
  export QAFLOW_LLMSTUB_PORT=$((BASE + 20)) QAFLOW_LLAMA_PORT=$((BASE + 21)) QAFLOW_LLM_WORKER_METRICS_PORT=$((BASE + 22))
  export QAFLOW_RETRY_OVERLOAD_PORT=$((BASE + 26)) QAFLOW_RETRY_QUOTA_PORT=$((BASE + 27))
  export QAFLOW_FLINK_PORT=$((BASE + 30)) QAFLOW_FLINK_RPC_PORT=$((BASE + 31)) QAFLOW_CONSOLE_PORT=$((BASE + 40))
  export QAFLOW_LLM_WORKERS=2
  unset QAFLOW_KAFKA_BROKERS QAFLOW_FLINK_TASKMANAGERS QAFLOW_FLINK_PARALLELISM QAFLOW_STORAGE_REPLICAS QAFLOW_SCORERS
  SCALE=(); (($1 == 1)) || SCALE=(--scale)
}

stack_down() { "$QF" down >>"$OUT/t$1.up.log" 2>&1 || true; }
trap 'stack_down "${T:-1}"' EXIT

# replicas NAME: how many processes of NAME the running stack has (from ./qaflow status).
replicas() { "$QF" status "$1" | awk -v n="$1" '$1 == n && $2 == "up"' | grep -vc 'taskmanager [0-9]' || true; }
ports() { "$QF" status "$1" | awk -v n="$1" '$1 == n && $2 == "up" && $0 !~ /taskmanager [0-9]/ { print $3 }'; }

bench_kafka() { # messages/s of one kcat producer, acks=all + idempotence, on a topic of the topology's RF
  local boot rf isr t0 t1
  boot="127.0.0.1:$((BASE + 2))" rf=1 isr=1
  if [[ "${SCALE[*]:-}" == --scale ]]; then boot+=",127.0.0.1:$((BASE + 4)),127.0.0.1:$((BASE + 6))" rf=3 isr=2; fi
  "$QF" kafka-topics --bootstrap-server "$boot" --create --topic "bench-$RUN" --partitions 3 --replication-factor "$rf" \
    --config "min.insync.replicas=$isr" >/dev/null 2>&1
  python3 -c "import sys; [print(f'k{i % 97}\t' + 'x' * 200) for i in range($KMSG)]" >"$OUT/kafka.msgs"
  t0=$(date +%s%N)
  kcat -P -b "$boot" -t "bench-$RUN" -K$'\t' -X acks=all -X enable.idempotence=true -X linger.ms=5 -l "$OUT/kafka.msgs"
  t1=$(date +%s%N)
  awk -v n="$KMSG" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", n / (ns / 1e9) }'
}

bench_scorer() { # pairs/s of every scorer together (the pairs split between them, all at the same time)
  local -a p; mapfile -t p < <(ports scorer)
  local k=${#p[@]} i t0 t1
  for ((i = 0; i < k; i++)); do awk -v k="$k" -v i="$i" 'NR % k == i' "$OUT/pairs.tsv" >"$OUT/pairs.$i"; done
  t0=$(date +%s%N)
  for ((i = 0; i < k; i++)); do python3 "$ROOT/bench/flink/scorer_alone.py" "${p[i]}" "$SCONC" "$OUT/pairs.$i" >"$OUT/scorer.$i" & done
  wait
  t1=$(date +%s%N)
  awk -v n="$(wc -l <"$OUT/pairs.tsv")" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", n / (ns / 1e9) }'
}

# send_split TAG COUNT OUT [DATASET]: COUNT new questions of TAG POSTed at once, split over the storage instances
# (32 connections in all); sets POSTS_PER_S.
send_split() {
  local -a p; mapfile -t p < <(ports storage)
  local k=${#p[@]} i t0 t1
  t0=$(date +%s%N)
  for ((i = 0; i < k; i++)); do
    "$BIN/qaflow-traffic" --url "http://127.0.0.1:${p[i]}" --dataset "${4:-$SAMPLE}" --tag "$1" --skip $((i * $2 / k)) \
      --count $(((i + 1) * $2 / k - i * $2 / k)) --rate 0 --concurrency $((32 / k)) --no-wait --json --log-level warn \
      >"$OUT/$3.$i.json" &
  done
  wait
  t1=$(date +%s%N)
  POSTS_PER_S="$(awk -v n="$2" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", n / (ns / 1e9) }')"
}

bench_pipeline() { # POSTs/s, then questions/s through the whole pipeline, of N new questions split over the storages
  local tag="$RUN-t$1" deadline
  # the stub answers this run's questions like their reference (one attempt each: the scorer's load is known)
  python3 "$ROOT/bench/flink/gen.py" "$SAMPLE" "$N" "$tag" \
    | python3 "$ROOT/bench/pipeline/stub_scripts.py" "$tag" "$OUT/$tag.scripts.json" "$OUT/$tag.pairs.tsv" 128
  curl -sf -X POST "http://127.0.0.1:$QAFLOW_LLMSTUB_PORT/admin/script" -H 'Content-Type: application/json' \
    --data-binary @"$OUT/$tag.scripts.json" >/dev/null
  python3 "$HERE/../pipeline/cpu.py" snap "$QAFLOW_VAR/run" >"$OUT/t$1.cpu0"
  send_split "$tag" "$N" "t$1.traffic"
  deadline=$((SECONDS + 900))
  until [[ "$("$QF" psql -X -q -t -A -v prefix="[$tag] " <<<"SELECT count(*) FROM questions WHERE starts_with(question_text, :'prefix') AND status = 'pending'")" == 0 ]]; do
    ((SECONDS < deadline)) || { log "timeout waiting for $tag"; break; }
    sleep 1
  done
  python3 "$HERE/../pipeline/cpu.py" snap "$QAFLOW_VAR/run" >"$OUT/t$1.cpu1"
  "$QF" psql -X -q -v prefix="[$tag] " -f "$ROOT/bench/pipeline/run_stats.sql" | tee "$OUT/t$1.stats" >&2
  QRATE="$("$QF" psql -X -q -t -A -F' ' -v prefix="[$tag] " -f "$ROOT/bench/pipeline/run_stats.sql" | awk '{ print $(NF-1) }')"
  python3 "$HERE/../pipeline/cpu.py" diff "$OUT/t$1.cpu0" "$OUT/t$1.cpu1" | tee "$OUT/t$1.cpu" >&2
}

log "run $RUN: N=$N x ROUNDS=$ROUNDS, Kafka $KMSG messages, scorer $PAIRS pairs; $(nproc) cores; load $(load); ports $BASE.."
python3 "$ROOT/bench/flink/gen.py" "$SAMPLE" "$PAIRS" "$RUN-pairs" \
  | python3 "$ROOT/bench/pipeline/stub_scripts.py" "$RUN-pairs" /dev/null "$OUT/pairs.tsv" 128
python3 "$ROOT/bench/dataset/make_synthetic_yahoo.py" --rows "$NPOST" "$OUT/posts.csv" >/dev/null   # distinct questions
results=()
for ((r = 1; r <= ROUNDS; r++)); do
  for T in 1 2; do
    topology_env "$T"
    log "topology $T (${SCALE[*]:-default}): up"
    "$QF" up "${SCALE[@]}" --llm stub "${PARTS[@]}" >"$OUT/t$T.up.log" 2>&1 || { tail -n 20 "$OUT/t$T.up.log" >&2; exit 1; }
    "$QF" status "${PARTS[@]}" >"$OUT/t$T.status"
    log "topology $T: $(replicas kafka) broker(s), $(replicas storage) storage, $(replicas scorer) scorer(s); load $(load)"
    sleep 10   # let the JVMs settle
    k="$(bench_kafka)"; log "kafka: $k messages/s; load $(load)"
    s="$(bench_scorer)"; log "scorer: $s pairs/s; load $(load)"
    bench_pipeline "$T"; log "pipeline: $QRATE questions/s; load $(load)"
    send_split "$RUN-posts-t$T" "$NPOST" "t$T.posts" "$OUT/posts.csv"; POSTS="$POSTS_PER_S"; log "storage: $POSTS POSTs/s; load $(load)"
    results+=("RESULT round=$r topology=$T${SCALE[*]:+ (--scale)} kafka_msgs_per_s=$k scorer_pairs_per_s=$s storage_posts_per_s=$POSTS pipeline_questions_per_s=$QRATE load=\"$(load)\"")
    stack_down "$T"
  done
done
printf '%s\n' "${results[@]}" | tee -a "$OUT/log"
