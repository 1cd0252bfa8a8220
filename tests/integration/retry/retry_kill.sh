#!/usr/bin/env bash
# retry_kill.sh -- kill -9 of a retry consumer while messages wait loses none of them: a new
# consumer re-reads the uncommitted ones and forwards each, never before its due time; the
# llm_errors upsert keeps one row per event despite the redelivery.
. "$(dirname "$0")/retry_lib.sh"

N=12
for i in $(seq $N); do
  er=$((1 + i % 2))  # 2 s and 4 s delays, interleaved
  printf 'q_rk%s_%d\t%s\n' "$RUN" "$i" "$(e_json "q_rk${RUN}_$i" $er overload)"
done >"$T_DIR/errors.tsv"
start_retry r1 overload
wait_assigned r1 2 60
kcat -P -X partitioner=murmur2_random -b "$K" -t "$T_OVERLOAD" -K $'\t' <"$T_DIR/errors.tsv"
wait_scheduled r1 "q_rk${RUN}_" $N
kill9 r1
early=$(consume "$T_PENDING" | grep -c "q_rk${RUN}_" || true)
t_log "killed r1 with $((N - early)) of $N messages still waiting"
((early < N)) || t_fail "everything was forwarded before the kill; the test proves nothing"
start_retry r2 overload
wait_lines "$T_PENDING" "q_rk${RUN}_" $N 90
uniq=$(forwarded_count "q_rk${RUN}_" $N 30)
((uniq == N)) || t_fail "$uniq of $N questions forwarded after the restart"
consume "$T_OVERLOAD" >"$T_DIR/err.tsv"
consume "$T_PENDING" >"$T_DIR/pend.tsv"
for i in $(seq $N); do
  # never early; late only by the restart (group rejoin)
  check_not_early "q_rk${RUN}_$i" $((1 + i % 2))
done
rows=$(psql_q "SELECT count(*), count(DISTINCT question_id) FROM llm_errors WHERE question_id LIKE 'q_rk${RUN}_%'")
[[ $rows == "$N"$'\t'"$N" ]] || t_fail "llm_errors rows (total, distinct): $rows, expected $N $N"
t_pass
