#!/usr/bin/env bash
# retry_backpressure.sh -- Kafka cannot take the retry consumer's writes (questions-pending and the
# dead-letter topic are deleted; the producer's local queue holds one message): it keeps running,
# holds its due forwards and dead letters, pauses intake, counts it in /metrics and says "blocked" in
# /health (200); a queued message that times out is sent again. Once the topics are back every due
# question is forwarded exactly once, the exhausted and the malformed ones dead-lettered exactly once,
# and nothing is held any more.
. "$(dirname "$0")/retry_lib.sh"

N=4
t_topics delete questions-pending questions-failed
start_retry r1 overload --max-retries 3 --base-delay-s 1 -X queue.buffering.max.messages=1 -X message.timeout.ms=3000
wait_assigned r1 2 60
want=()
for i in $(seq 1 $N); do
  produce "$T_OVERLOAD" "q_rbp${RUN}_$i" "$(e_json "q_rbp${RUN}_$i" 0 overload)"
  want+=("q_rbp${RUN}_$i")
done
produce "$T_OVERLOAD" "q_rbpdead${RUN}_1" "$(e_json "q_rbpdead${RUN}_1" 3 overload)"
produce "$T_OVERLOAD" "q_rbpdead${RUN}_2" '{"question_id": "broken'

wait_blocked r1 qaflow_retry qaflow_retry
t_topics create questions-pending questions-failed
n=$(forwarded_count "q_rbp${RUN}_" $N 120)
((n == N)) || t_fail "$n of $N questions forwarded after the topics came back"
wait_lines "$T_FAILED" "q_rbpdead${RUN}_" 2 60
wait_unblocked r1 qaflow_retry qaflow_retry
keys_once "$T_PENDING" "q_rbp${RUN}_" "${want[@]}"
keys_once "$T_FAILED" "q_rbpdead${RUN}_" "q_rbpdead${RUN}_1" "q_rbpdead${RUN}_2"
t_log "$N forwards and 2 dead letters, each once; $(grep -c 'produce blocked' "$T_DIR/r1.log") blocked period(s)"
t_pass
