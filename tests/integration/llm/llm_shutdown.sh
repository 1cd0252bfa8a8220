#!/usr/bin/env bash
# llm_shutdown.sh -- SIGTERM with requests in flight: the worker finishes them, produces their
# results, commits, and exits 0; a successor in the same group does not redo them.
. "$(dirname "$0")/lib.sh"

start_stub
stub_admin POST /admin/config '{"latency_ms":3000}' >/dev/null
start_worker w1 --concurrency 4
wait_assigned w1 3 60
for i in 1 2 3 4; do
  printf 'q_sd%s_%d\t%s\n' "$RUN" "$i" "$(q_json "q_sd${RUN}_$i" "Shutdown question $i of $RUN?" "ref")"
done | kcat -P -X partitioner=murmur2_random -b "$K" -t "$T_PENDING" -K $'\t'
port=$(metrics_port w1)
deadline=$((SECONDS + 30))
until [[ $(curl -sf "127.0.0.1:$port/metrics" | awk '$1 == "qaflow_llm_requests_in_flight" {print int($2)}') == 4 ]]; do
  ((SECONDS < deadline)) || t_fail "the 4 requests never were in flight together"
  sleep 0.05
done
n=$(consume "$T_SUCCESS" | grep -c "q_sd${RUN}_" || true)
((n == 0)) || t_fail "answers arrived before the stop; the test proves nothing"
kill -TERM "${PID_OF[w1]}"
rc=0; wait "${PID_OF[w1]}" || rc=$?
unset "PID_OF[w1]"
((rc == 0)) || t_fail "worker exited $rc after SIGTERM"
n=$(consume "$T_SUCCESS" | grep -c "q_sd${RUN}_" || true)
((n == 4)) || t_fail "$n of 4 in-flight questions answered at shutdown"
grep -q "stopping: finishing 4 job(s) in flight" "$T_DIR/w1.log" || t_fail "no drain logged"

# the offsets were committed: a successor reads nothing of it again
stub_admin POST /admin/config '{"latency_ms":0}' >/dev/null
start_worker w2
wait_assigned w2 3 60
produce "$T_PENDING" "q_sd${RUN}_marker" "$(q_json "q_sd${RUN}_marker" "Shutdown marker of $RUN?" "ref")"
wait_lines "$T_SUCCESS" "q_sd${RUN}_marker" 1 30
n=$(consume "$T_SUCCESS" | grep -c "q_sd${RUN}_[0-9]" || true)
((n == 4)) || t_fail "$n answers for the 4 questions after the restart: they were processed again"
t_pass
