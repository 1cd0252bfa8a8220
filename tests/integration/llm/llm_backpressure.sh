#!/usr/bin/env bash
# llm_backpressure.sh -- Kafka cannot take the worker's writes (its success and dead-letter topics are
# deleted; the producer's local queue holds one message): the worker keeps running, holds its finished
# results and dead letters, pauses intake, counts it in /metrics and says "blocked" in /health (200);
# a queued message that times out comes back as a failed delivery and is sent again. Once the topics
# are back every question is answered exactly once, every malformed message is dead-lettered exactly
# once, and nothing is held any more.
. "$(dirname "$0")/lib.sh"

N=6
t_topics delete llm-responses-success questions-failed
start_stub
start_worker w1 --concurrency 2 -X queue.buffering.max.messages=1 -X message.timeout.ms=3000
wait_assigned w1 3 60
want=()
for i in $(seq 1 $N); do
  produce "$T_PENDING" "q_bp${RUN}_$i" "$(q_json "q_bp${RUN}_$i" "Backpressure question $i of $RUN?" "yes")"
  want+=("q_bp${RUN}_$i")
done
produce "$T_PENDING" "q_bpbad${RUN}_1" '{"question_id": "broken'
produce "$T_PENDING" "q_bpbad${RUN}_2" '{"question_id":"q_x","retry_count":0}'

wait_blocked w1 qaflow_llm_worker qaflow_llm
t_topics create llm-responses-success questions-failed
wait_lines "$T_SUCCESS" "q_bp${RUN}_" "$N" 120
wait_lines "$T_FAILED" "q_bpbad${RUN}_" 2 60
wait_unblocked w1 qaflow_llm_worker qaflow_llm
keys_once "$T_SUCCESS" "q_bp${RUN}_" "${want[@]}"
keys_once "$T_FAILED" "q_bpbad${RUN}_" "q_bpbad${RUN}_1" "q_bpbad${RUN}_2"
consume "$T_FAILED" | cut -f2 | grep -q "q_bp${RUN}_" && t_fail "a good question was dead-lettered"
t_log "$N answers and 2 dead letters, each once; $(grep -c 'produce blocked' "$T_DIR/w1.log") blocked period(s)"
t_pass
