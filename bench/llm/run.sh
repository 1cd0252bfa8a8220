#!/usr/bin/env bash
# bench/llm/run.sh -- throughput and added latency of ONE qaflow-llm-worker with the stub answering
# instantly, on a real Kafka (the test stack): questions/s from questions-pending to
# llm-responses-success, and the worker's own time per question (p50/p99).
#
# Usage: eval "$(./qaflow test-stack env)"; bench/llm/run.sh [QUESTIONS] [CONCURRENCY]
# Binaries from $QAFLOW_BIN_DIR (or LLM_WORKER_BIN / STUB_BIN / TOPICS_BIN).
set -euo pipefail
N=${1:-20000}
CONC=${2:-32}
: "${QAFLOW_TEST_KAFKA:?eval \"\$(./qaflow test-stack env)\" first}"
: "${LLM_WORKER_BIN:=$QAFLOW_BIN_DIR/qaflow-llm-worker}"
: "${STUB_BIN:=$QAFLOW_BIN_DIR/qaflow-llm-stub}"
: "${TOPICS_BIN:=$QAFLOW_BIN_DIR/qaflow-kafka-topics}"
TOPICS_FILE="$(cd "$(dirname "$0")/../.." && pwd)/infra/kafka/topics.txt"
K=$QAFLOW_TEST_KAFKA
D=$(mktemp -d /tmp/qaflow-llmbench.XXXXXX)
P="llmbench-$$-"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true;
            "$TOPICS_BIN" --bootstrap "$K" --file "$TOPICS_FILE" --prefix "$P" --delete >/dev/null 2>&1 || true; rm -rf "$D"; }
trap cleanup EXIT
"$TOPICS_BIN" --bootstrap "$K" --file "$TOPICS_FILE" --prefix "$P"

"$STUB_BIN" --port 0 --request-log 1000 >"$D/stub.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do port=$(sed -n 's/.*listening .*port=\([0-9]*\).*/\1/p' "$D/stub.log"); [[ -n $port ]] && break; sleep 0.1; done

# 1. Backlog: N questions already waiting in questions-pending.
awk -v n="$N" -v r="$$" 'BEGIN { for (i = 1; i <= n; i++)
  printf "q_b%s_%d\t{\"question_id\":\"q_b%s_%d\",\"question_text\":\"Benchmark question number %d?\",\"original_answer\":\"ref\",\"retry_count\":0,\"timestamp\":\"2025-10-28T10:30:00.000Z\",\"error_retries\":0,\"created_at\":\"2025-10-28T10:30:00.000Z\"}\n", r, i, r, i, i }' >"$D/q.tsv"
kcat -P -X partitioner=murmur2_random -b "$K" -t "${P}questions-pending" -K $'\t' -X linger.ms=20 <"$D/q.tsv"

# 2. One worker drains it. BENCH_RT=1 runs the worker with SCHED_FIFO priority 10 (root), to
# separate the worker's own latency from CPU contention on a shared machine.
rt=()
[[ ${BENCH_RT:-0} == 1 ]] && rt=(chrt --fifo 10)
"${rt[@]}" "$LLM_WORKER_BIN" --brokers "$K" --group "llmbench-$$" --topic-pending "${P}questions-pending" \
  --topic-success "${P}llm-responses-success" --topic-overload "${P}llm-responses-error-overload" \
  --topic-quota "${P}llm-responses-error-quota" --topic-failed "${P}questions-failed" \
  --llm-url "127.0.0.1:$port" --concurrency "$CONC" --metrics-port 0 --log-level warn >"$D/worker.log" 2>&1 & pids+=($!)
wpid=$!
deadline=$((SECONDS + 300))
while :; do
  got=$(kcat -Q -b "$K" -t "${P}llm-responses-success:0:-1" -t "${P}llm-responses-success:1:-1" -t "${P}llm-responses-success:2:-1" 2>/dev/null | awk '{s += $NF} END {print s + 0}')
  # -1 = end offset (count of messages, offsets start at 0)
  ((got >= N)) && break
  ((SECONDS < deadline)) || { echo "only $got of $N answered" >&2; exit 1; }
  sleep 0.5
done
kcat -C -b "$K" -t "${P}llm-responses-success" -e -q -f '%T\n' >"$D/ts.txt"
read -r first last count < <(sort -n "$D/ts.txt" | awk 'NR == 1 {f = $1} {l = $1} END {print f, l, NR}')
secs=$(awk -v f="$first" -v l="$last" 'BEGIN {printf "%.3f", (l - f) / 1000}')
rate=$(awk -v c="$count" -v s="$secs" 'BEGIN {printf "%.0f", (c - 1) / s}')

cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime in clock ticks
hz=$(getconf CLK_TCK)
wcpu=$(cpu "$wpid"); scpu=$(cpu "${pids[0]}")
echo "questions=$count concurrency=$CONC rt=${BENCH_RT:-0} drain_seconds=$secs throughput_qps=$rate"
awk -v w="$wcpu" -v s="$scpu" -v hz="$hz" -v n="$N" 'BEGIN {
  printf "cpu: worker %.2f s (%.0f us/question, %.0f questions per CPU-second); stub %.2f s\n", w / hz, w / hz / n * 1e6, n / (w / hz), s / hz }'

# 3. Added latency at a steady, non-saturating rate (RATE/s for SECS s): the worker's own time per
# question = consume -> produce minus the LLM exchange (histogram qaflow_llm_worker_overhead_seconds).
RATE=${RATE:-500}; PSECS=${PSECS:-6}
mport=$(ss -ltnp 2>/dev/null | awk -v p="pid=$wpid," '$0 ~ p {split($4, a, ":"); print a[length(a)]}' | head -1)
curl -s "127.0.0.1:$mport/metrics" >"$D/m0.txt"
python3 - "$RATE" "$PSECS" "$$" <<'PY' | kcat -P -X partitioner=murmur2_random -b "$K" -t "${P}questions-pending" -K $'\t' -X linger.ms=0
import sys, time
rate, secs, run = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
t0 = time.monotonic()
for i in range(int(rate * secs)):
    while time.monotonic() < t0 + i / rate:
        time.sleep(0.0005)
    qid = "q_p%s_%d" % (run, i)
    print('%s\t{"question_id":"%s","question_text":"Paced question %d?","original_answer":"ref","retry_count":0,'
          '"timestamp":"2025-10-28T10:30:00.000Z","error_retries":0,"created_at":"2025-10-28T10:30:00.000Z"}' % (qid, qid, i), flush=True)
PY
sleep 2
curl -s "127.0.0.1:$mport/metrics" >"$D/m1.txt"
# bucket deltas between the two snapshots -> percentiles (upper bound of the bucket)
grep '^qaflow_llm_worker_overhead_seconds_bucket' "$D/m0.txt" >"$D/b0.txt"
grep '^qaflow_llm_worker_overhead_seconds_bucket' "$D/m1.txt" >"$D/b1.txt"
paste "$D/b0.txt" "$D/b1.txt" | awk '{ match($1, /le="[^"]*"/); le = substr($1, RSTART + 4, RLENGTH - 5);
  b[++n] = le; c[n] = $4 - $2 } END {
  tot = c[n]; split("0.5 0.9 0.99 0.999", qs, " ");
  printf "paced %d questions at '"$RATE"'/s: worker overhead", tot;
  for (k = 1; k <= 4; k++) for (i = 1; i <= n; i++) if (c[i] >= qs[k] * tot) { printf " p%s<=%ss", qs[k] * 100, b[i]; break }
  printf "\n"; for (i = 1; i <= n; i++) printf "  le=%s %d\n", b[i], c[i] }'
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
