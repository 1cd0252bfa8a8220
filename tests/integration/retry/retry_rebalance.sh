#!/usr/bin/env bash
# retry_rebalance.sh -- a second retry consumer joins while messages wait: the revoked
# partitions' timers are dropped and re-read by their new owner, every message is still
# forwarded (never early), and both consumers end up owning a partition (nothing stays paused).
. "$(dirname "$0")/retry_lib.sh"

N=10
for i in $(seq $N); do
  printf 'q_rb%s_%d\t%s\n' "$RUN" "$i" "$(e_json "q_rb${RUN}_$i" 2 overload)"
done >"$T_DIR/errors.tsv"
start_retry r1 overload
wait_assigned r1 2 60
kcat -P -X partitioner=murmur2_random -b "$K" -t "$T_OVERLOAD" -K $'\t' <"$T_DIR/errors.tsv"
wait_scheduled r1 "q_rb${RUN}_" $N
start_retry r2 overload
wait_lines "$T_PENDING" "q_rb${RUN}_" $N 60
uniq=$(forwarded_count "q_rb${RUN}_" $N 30)
((uniq == N)) || t_fail "$uniq of $N forwarded across the rebalance"
consume "$T_OVERLOAD" >"$T_DIR/err.tsv"
consume "$T_PENDING" >"$T_DIR/pend.tsv"
for i in $(seq $N); do
  check_not_early "q_rb${RUN}_$i" 2
done
a=$(curl -sf "127.0.0.1:$(metrics_port r1)/health" | jq .assigned_partitions)
b=$(curl -sf "127.0.0.1:$(metrics_port r2)/health" | jq .assigned_partitions)
t_log "after the rebalance: r1 owns $a, r2 owns $b partition(s); $(grep -c 'rebalance: dropped' "$T_DIR/r1.log" || true) drop(s) logged by r1"
((a == 1 && b == 1)) || t_fail "partitions not shared after the rebalance: r1=$a r2=$b"
# both keep working: one more message on each partition is forwarded on time
for p in 0 1; do
  produce "$T_OVERLOAD" "q_rb${RUN}_after$p" "$(e_json "q_rb${RUN}_after$p" 0 overload)" $p
done
wait_lines "$T_PENDING" "q_rb${RUN}_after" 2 30
consume "$T_OVERLOAD" >"$T_DIR/err.tsv"
consume "$T_PENDING" >"$T_DIR/pend.tsv"
for p in 0 1; do
  check_delay "partition $p after the rebalance" "$(delay_of "$T_DIR/err.tsv" "$T_DIR/pend.tsv" "q_rb${RUN}_after$p" 0)" 1000
done
t_pass
