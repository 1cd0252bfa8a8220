#!/usr/bin/env bash
# llm_two_replicas.sh -- two workers in one group share questions-pending's 3 partitions and both
# receive work; every question is answered.
. "$(dirname "$0")/lib.sh"

start_stub
stub_admin POST /admin/config '{"latency_ms":20}' >/dev/null
start_worker w1
start_worker w2
# together they must own all 3 partitions, each at least one
deadline=$((SECONDS + 90))
while ((SECONDS < deadline)); do
  a=$(curl -sf "127.0.0.1:$(metrics_port w1)/health" | jq .assigned_partitions || echo 0)
  b=$(curl -sf "127.0.0.1:$(metrics_port w2)/health" | jq .assigned_partitions || echo 0)
  ((a >= 1 && b >= 1 && a + b == 3)) && break
  sleep 0.3
done
((a >= 1 && b >= 1 && a + b == 3)) || t_fail "partitions not shared: w1=$a w2=$b"

N=60
for i in $(seq $N); do
  printf 'q_rep%s_%d\t%s\n' "$RUN" "$i" "$(q_json "q_rep${RUN}_$i" "Replica question $i of $RUN?" "ref $i")"
done | kcat -P -X partitioner=murmur2_random -b "$K" -t "$T_PENDING" -K $'\t'
wait_lines "$T_SUCCESS" "q_rep${RUN}_" $N 90

got=$(consume "$T_SUCCESS" | cut -f2 | grep -c "q_rep${RUN}_" || true)
uniq=$(consume "$T_SUCCESS" | cut -f2 | grep "q_rep${RUN}_" | sort -u | wc -l)
((uniq == N)) || t_fail "$uniq distinct questions answered, expected $N"
c1=$(curl -sf "127.0.0.1:$(metrics_port w1)/metrics" | awk '$1 == "qaflow_llm_consumed_total" {print int($2)}')
c2=$(curl -sf "127.0.0.1:$(metrics_port w2)/metrics" | awk '$1 == "qaflow_llm_consumed_total" {print int($2)}')
t_log "w1 consumed $c1, w2 consumed $c2, $got success messages"
((c1 > 0 && c2 > 0)) || t_fail "one replica got no work: w1=$c1 w2=$c2"
((c1 + c2 >= N)) || t_fail "consumed $((c1 + c2)) < $N"
t_pass
