#!/usr/bin/env bash
# retry_kill_anytime.sh -- error messages keep arriving while the retry consumer is killed with
# -9 three times at arbitrary moments (mid-consume, mid-wait, mid-forward) and restarted: every
# question is still forwarded, none before its due time, and llm_errors has one row per event.
. "$(dirname "$0")/retry_lib.sh"

N=30
for i in $(seq $N); do
  printf 'q_ka%s_%d\t%s\n' "$RUN" "$i" "$(e_json "q_ka${RUN}_$i" $((i % 3)) overload)"
done >"$T_DIR/errors.tsv"
start_retry r0 overload
wait_assigned r0 2 60
# a steady stream: one error message every 250 ms (delays 1, 2 and 4 s interleaved)
( while IFS= read -r line; do printf '%s\n' "$line" | kcat -P -X partitioner=murmur2_random -b "$K" -t "$T_OVERLOAD" -K $'\t'; sleep 0.25; done <"$T_DIR/errors.tsv" ) &
feeder=$!
for k in 1 2 3; do
  sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 1.5 + (r % 200) / 100 }')"  # 1.5 .. 3.5 s
  kill9 "r$((k - 1))"
  t_log "killed r$((k - 1))"
  start_retry "r$k" overload
done
wait "$feeder"
uniq=$(forwarded_count "q_ka${RUN}_" $N 120)
((uniq == N)) || t_fail "$uniq of $N questions forwarded"
consume "$T_OVERLOAD" >"$T_DIR/err.tsv"
consume "$T_PENDING" >"$T_DIR/pend.tsv"
for i in $(seq $N); do
  check_not_early "q_ka${RUN}_$i" $((i % 3))
done
total=$(consume "$T_PENDING" | cut -f2 | grep -c "q_ka${RUN}_")
rows=$(psql_q "SELECT count(*), count(DISTINCT question_id) FROM llm_errors WHERE question_id LIKE 'q_ka${RUN}_%'")
[[ $rows == "$N"$'\t'"$N" ]] || t_fail "llm_errors rows (total, distinct): $rows, expected $N $N"
t_log "$N forwarded ($((total - N)) duplicates after 3 kills), none early, $N llm_errors rows"
t_pass
