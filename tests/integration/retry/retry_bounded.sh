#!/usr/bin/env bash
# retry_bounded.sh -- the retry consumer holds at most --max-held messages: at the cap it pauses its
# partitions (sought back, so nothing prefetched is skipped) and resumes below 90 %; a Retry-After of
# a day waits only --max-delay-s. Every message is forwarded once, none lost.
. "$(dirname "$0")/retry_lib.sh"

N=12
start_retry r1 overload --max-held 3 --max-delay-s 2
wait_assigned r1 2 60
port=$(metrics_port r1)
for i in $(seq 1 $N); do
  produce "$T_OVERLOAD" "q_bd${RUN}_$i" "$(e_json "q_bd${RUN}_$i" 0 overload 86400)"
done
max=0
deadline=$((SECONDS + 90))
while ((SECONDS < deadline)); do
  w=$(curl -sf "127.0.0.1:$port/health" | jq -r '.waiting // 0' 2>/dev/null || echo 0)
  ((w > max)) && max=$w
  (($(consume "$T_PENDING" | cut -f2 | grep -c "q_bd${RUN}_" || true) >= N)) && break
  sleep 0.1
done
n=$(forwarded_count "q_bd${RUN}_" $N 5)
((n == N)) || t_fail "$n of $N messages forwarded"
dups=$(consume "$T_PENDING" | cut -f2 | grep "q_bd${RUN}_" | sort | uniq -d | wc -l)
((dups == 0)) || t_fail "$dups messages forwarded twice"
((max <= 3)) || t_fail "held $max messages at once (cap 3)"
m=$(curl -sf "127.0.0.1:$port/metrics")
grep -Eq '^qaflow_retry_pauses_total [1-9]' <<<"$m" || t_fail "never paused: $(grep pause <<<"$m")"
grep -q '^qaflow_retry_paused 0' <<<"$m" || t_fail "still paused at the end"
grep -q '^qaflow_retry_max_delay_seconds 2' <<<"$m" || t_fail "max delay not in /metrics"
# a Retry-After of a day waited the cap (2 s), not a day
consume "$T_OVERLOAD" >"$T_DIR/err.tsv"
consume "$T_PENDING" >"$T_DIR/pend.tsv"
d=$(delay_of "$T_DIR/err.tsv" "$T_DIR/pend.tsv" "q_bd${RUN}_1" 0)
((d >= 1900 && d < 30000)) || t_fail "a Retry-After of 86400 s waited $d ms (cap 2 s)"
t_log "held at most $max, all $N forwarded once, first delay $d ms"
t_pass
