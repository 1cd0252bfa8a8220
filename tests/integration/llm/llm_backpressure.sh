#!/usr/bin/env bash
# llm_backpressure.sh -- Kafka cannot take the worker's writes (its dead-letter, then its success topic
# deleted; the producer's local queue holds one message): the worker keeps running, holds its dead
# letters, then its finished results, pauses intake (nothing more is consumed), counts it in /metrics
# and says "blocked" in /health (200); a queued message that times out comes back as a failed delivery
# and is sent again. Once each topic is back every malformed message is dead-lettered exactly once,
# every question answered exactly once, and nothing is held any more.
. "$(dirname "$0")/lib.sh"

N=6
t_topics delete llm-responses-success questions-failed
start_stub
start_worker w1 --concurrency 2 -X queue.buffering.max.messages=1 -X message.timeout.ms=3000
wait_assigned w1 3 60
port=$(metrics_port w1)

# 1. dead letters: the first waits in the queue, the second is held
produce "$T_PENDING" "q_bpbad${RUN}_1" '{"question_id": "broken'
produce "$T_PENDING" "q_bpbad${RUN}_2" '{"question_id":"q_x","retry_count":0}'
wait_blocked w1 qaflow_llm_worker qaflow_llm
want=()
for i in $(seq 1 $N); do
  produce "$T_PENDING" "q_bp${RUN}_$i" "$(q_json "q_bp${RUN}_$i" "Backpressure question $i of $RUN?" "yes")"
  want+=("q_bp${RUN}_$i")
done
sleep 2
[[ $(metric qaflow_llm_consumed_total "$port") == 2 ]] ||
  t_fail "intake not paused: $(metric qaflow_llm_consumed_total "$port") messages consumed, 2 expected"

# 2. the dead-letter topic is back: the dead letters go out, intake resumes, the results are held
t_topics create questions-failed
wait_lines "$T_FAILED" "q_bpbad${RUN}_" 2 60
wait_blocked w1 qaflow_llm_worker qaflow_llm
t_check "a finished result is held" grep -q "produce blocked (produce to $T_SUCCESS" "$T_DIR/w1.log"

# 3. the success topic is back: every answer goes out once
t_topics create llm-responses-success
wait_lines "$T_SUCCESS" "q_bp${RUN}_" "$N" 120
wait_unblocked w1 qaflow_llm_worker qaflow_llm
keys_once "$T_SUCCESS" "q_bp${RUN}_" "${want[@]}"
keys_once "$T_FAILED" "q_bpbad${RUN}_" "q_bpbad${RUN}_1" "q_bpbad${RUN}_2"
consume "$T_FAILED" | cut -f2 | grep -q "q_bp${RUN}_" && t_fail "a good question was dead-lettered"
t_check "each question asked once" [ "$(metric qaflow_llm_request_seconds_count "$port")" == "$N" ]
t_log "$N answers and 2 dead letters, each once; $(grep -c 'produce blocked' "$T_DIR/w1.log") blocked period(s)"
t_pass
