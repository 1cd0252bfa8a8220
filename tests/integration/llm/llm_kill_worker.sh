#!/usr/bin/env bash
# llm_kill_worker.sh -- kill -9 of a worker in the middle of work loses no question: a new
# worker in the same group re-reads everything not committed (duplicates allowed).
. "$(dirname "$0")/lib.sh"

start_stub
stub_admin POST /admin/config '{"latency_ms":250}' >/dev/null
N=50
for i in $(seq $N); do
  printf 'q_k%s_%d\t%s\n' "$RUN" "$i" "$(q_json "q_k${RUN}_$i" "Kill test question $i of $RUN?" "ref")"
done >"$T_DIR/questions.tsv"
start_worker w1 --concurrency 2
wait_assigned w1 3 60
kcat -P -X partitioner=murmur2_random -b "$K" -t "$T_PENDING" -K $'\t' <"$T_DIR/questions.tsv"
wait_lines "$T_SUCCESS" "q_k${RUN}_" 8 60
kill9 w1
before=$(consume "$T_SUCCESS" | cut -f2 | grep "q_k${RUN}_" | sort -u | wc -l)
t_log "killed w1 after $before answers"
((before < N)) || t_fail "all work finished before the kill; the test proves nothing"
start_worker w2 --concurrency 4
wait_lines "$T_SUCCESS" "q_k${RUN}_" $N 120
deadline=$((SECONDS + 90))
while ((SECONDS < deadline)); do
  uniq=$(consume "$T_SUCCESS" | cut -f2 | grep "q_k${RUN}_" | sort -u | wc -l)
  ((uniq == N)) && break
  sleep 0.5
done
((uniq == N)) || t_fail "only $uniq of $N questions answered after the restart"
total=$(consume "$T_SUCCESS" | cut -f2 | grep -c "q_k${RUN}_")
t_log "$uniq questions answered, $total messages ($((total - uniq)) duplicates)"
t_pass
