#!/usr/bin/env bash
# retry_interleaved.sh -- delays of different lengths interleaved on ONE partition are each
# forwarded on time (a 4 s message does not hold back the 1 s one behind it).
. "$(dirname "$0")/retry_lib.sh"

start_retry r1 overload
wait_assigned r1 2 60
seq_er=(2 0 1 0 2 1 0)
for i in "${!seq_er[@]}"; do
  printf 'q_il%s_%d\t%s\n' "$RUN" "$i" "$(e_json "q_il${RUN}_$i" "${seq_er[$i]}" overload)"
done >"$T_DIR/errors.tsv"
kcat -P -X partitioner=murmur2_random -b "$K" -t "$T_OVERLOAD" -p 0 -K $'\t' <"$T_DIR/errors.tsv"
wait_lines "$T_PENDING" "q_il${RUN}_" ${#seq_er[@]} 60

consume "$T_OVERLOAD" >"$T_DIR/err.tsv"
consume "$T_PENDING" >"$T_DIR/pend.tsv"
for i in "${!seq_er[@]}"; do
  er=${seq_er[$i]}
  check_delay "message $i (error_retries $er)" "$(delay_of "$T_DIR/err.tsv" "$T_DIR/pend.tsv" "q_il${RUN}_$i" "$er")" $((1000 << er))
done
# by forward time, the messages came out in due order (all 1 s, then 2 s, then 4 s ones),
# not in offset order
order=$(grep "q_il${RUN}_" "$T_DIR/pend.tsv" | sort -n -k1,1 | cut -f3 | jq -r .error_retries | tr '\n' ' ')
t_log "error_retries of the forwards in time order: $order"
[[ $order == "1 1 1 2 2 3 3 " ]] || t_fail "forward order $order, expected 1 1 1 2 2 3 3"
t_pass
