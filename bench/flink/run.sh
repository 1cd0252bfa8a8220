#!/usr/bin/env bash
# bench/flink/run.sh: ScoreJob throughput vs the scorer's own capacity, and latency at half load (real Flink, Kafka, scorer).
# usage: eval "$(./qaflow test-stack env)"; bench/flink/run.sh [N]   (needs qaflow-scorer in $QAFLOW_BIN_DIR)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=/dev/null
source "$HERE/../../tests/integration/flink/lib.sh"
N="${1:-2000}"
CAP="${QAFLOW_BENCH_CONCURRENCY:-32}"  # pairs in flight: the scorer alone and the job's --async-capacity
ft_init bench
SAMPLE="$QAFLOW_ROOT/dataset/sample.csv"
ft_scorer_start scorer "$FT_SCORER_PORT"
python3 "$HERE/gen.py" "$SAMPLE" "$N" "$FT_RUN-alone" >"$QAFLOW_VAR/alone.tsv"
alone="$(python3 "$HERE/scorer_alone.py" "$FT_SCORER_PORT" "$CAP" "$QAFLOW_VAR/alone.tsv")"
ft_log "$alone"
ft_cluster_and_job --scorer "http://127.0.0.1:$FT_SCORER_PORT" --threshold 0 --max-regenerations 0 --async-capacity "$CAP"

count() { kcat -C -b "$FT_K" -t validated-responses -o "s@$FT_START_MS" -e -q -f '%k\n' 2>/dev/null | grep -c "^$1" || true; }
wait_all() {
  local prefix="$1" n="$2" deadline=$((SECONDS + 1800))
  until (($(count "$prefix") >= n)); do ((SECONDS < deadline)) || ft_die "timeout"; sleep 0.2; done
}
# warm-up (JIT, connections)
python3 "$HERE/gen.py" "$SAMPLE" 300 "$FT_RUN-warm" | kcat -P -X partitioner=murmur2_random -b "$FT_K" -t llm-responses-success -K$'\t'
wait_all "$FT_RUN-warm" 300
# full load: N messages at once
python3 "$HERE/gen.py" "$SAMPLE" "$N" "$FT_RUN-full" >"$QAFLOW_VAR/full.tsv"
t0=$(date +%s%3N)
kcat -P -X partitioner=murmur2_random -b "$FT_K" -t llm-responses-success -K$'\t' <"$QAFLOW_VAR/full.tsv"
wait_all "$FT_RUN-full" "$N"
t1=$(date +%s%3N)
rate="$(awk -v n="$N" -v ms="$((t1 - t0))" 'BEGIN { printf "%.1f", n / (ms / 1000) }')"
ft_log "scorejob pairs=$N seconds=$(awk -v ms="$((t1 - t0))" 'BEGIN { printf "%.2f", ms / 1000 }') pairs_per_s=$rate"
# half load: paced producer at half the measured throughput
half="$(awk -v r="$rate" 'BEGIN { printf "%.1f", r / 2 }')"
nh=$(awk -v r="$half" 'BEGIN { n = int(r * 30); if (n < 200) n = 200; print n }')
python3 "$HERE/gen.py" "$SAMPLE" "$nh" "$FT_RUN-half" "$half" | kcat -P -X partitioner=murmur2_random -b "$FT_K" -t llm-responses-success -K$'\t' -X linger.ms=0
wait_all "$FT_RUN-half" "$nh"
ft_log "latency at half load ($half msg/s, $nh messages):"
kcat -C -b "$FT_K" -t validated-responses -o "s@$FT_START_MS" -e -q -f '%s\n' 2>/dev/null \
  | python3 "$HERE/latency.py" "$FT_RUN-half" >&2
echo "--- machine: $(nproc) cores, $(free -g | awk '/Mem/ { print $2 }') GiB; $alone; scorejob pairs_per_s=$rate" >&2
