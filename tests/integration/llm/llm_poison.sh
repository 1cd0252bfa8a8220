#!/usr/bin/env bash
# llm_poison.sh -- hostile bytes stop nothing: messages whose values would be cut mid-character (a timestamp
# of fourteen '€'), raw invalid UTF-8 values and keys, on questions-pending (one per partition, so both
# workers get one) and on llm-responses-error-overload, are dead-lettered with a reason and their offsets
# committed; an LLM 503 with a long non-ASCII error text is retried (not dead-lettered as unencodable); both
# workers and the retry consumer keep running and the good questions complete.
. "$(dirname "$0")/lib.sh"

EURO=$(printf '€%.0s' $(seq 14))
LONG=$(printf 'サーバーが過負荷です€%.0s' $(seq 30))   # ~960 bytes: cut by every buffer on its way
start_stub
stub_admin POST /admin/script "$(jq -cn --arg m "poison-$RUN" --arg e "$LONG" \
  '{match:$m, responses:[{status:503, error:$e}, {status:200, answer:"fine after a 503"}]}')" >/dev/null
start_worker w1 --concurrency 2
start_worker w2 --concurrency 2
start_retry r1 overload
wait_assigned r1 2 60
deadline=$((SECONDS + 60))
until (( $(curl -sf "127.0.0.1:$(metrics_port w1)/health" | jq .assigned_partitions) +
         $(curl -sf "127.0.0.1:$(metrics_port w2)/health" | jq .assigned_partitions) == 3 )); do
  ((SECONDS < deadline)) || t_fail "the two workers did not share the 3 partitions"
  sleep 0.2
done

for p in 0 1 2; do
  produce "$T_PENDING" "q_euro${RUN}_p$p" "$(jq -cn --arg id "q_euro${RUN}_p$p" --arg ts "$EURO" \
    '{question_id:$id, question_text:"x", original_answer:"y", retry_count:0, timestamp:$ts}')" "$p"
done
printf '\xff\xfe{not utf-8\n' | kcat -P -b "$K" -t "$T_PENDING" -p 1
printf '\xff\xc0\xae\t{"question_id":\n' | kcat -P -b "$K" -t "$T_PENDING" -p 2 -K $'\t'
produce "$T_OVERLOAD" "q_euro${RUN}_ov" "$(jq -cn --arg id "q_euro${RUN}_ov" --arg ts "$EURO" \
  '{question_id:$id, question_text:"x", original_answer:"y", retry_count:0, error_retries:0, timestamp:$ts}')"
printf '\xff\xfe\n' | kcat -P -b "$K" -t "$T_OVERLOAD" -p 0
produce "$T_PENDING" "q_good${RUN}" "$(q_json "q_good${RUN}" "Question poison-$RUN?" "ref")"
for p in 0 1 2; do
  produce "$T_PENDING" "q_after${RUN}_$p" "$(q_json "q_after${RUN}_$p" "Still answering $RUN on $p?" "yes")" "$p"
done

wait_lines "$T_SUCCESS" "q_good${RUN}" 1 90
for p in 0 1 2; do wait_lines "$T_SUCCESS" "q_after${RUN}_$p" 1 60; done
wait_lines "$T_FAILED" "malformed" 7 60
consume "$T_FAILED" >"$T_DIR/failed.tsv"
t_check "every dead letter is valid JSON" bash -c "cut -f3 '$T_DIR/failed.tsv' | jq -e . >/dev/null"
for k in "q_euro${RUN}_p0" "q_euro${RUN}_p1" "q_euro${RUN}_p2" "q_euro${RUN}_ov"; do
  msg=$(awk -F'\t' -v k="$k" '$2 == k {print $3}' "$T_DIR/failed.tsv" | head -1)
  [[ -n $msg ]] || t_fail "no dead letter keyed $k"
  t_check "$k: $msg" jq -e '(.reason | startswith("malformed message")) and (.reason | test("timestamp"))
    and (.stage == "llm" or .stage == "retry")' <<<"$msg" >/dev/null
done
n=$(awk -F'\t' '$2 == "unknown"' "$T_DIR/failed.tsv" | wc -l)
((n >= 3)) || t_fail "$n dead letters keyed unknown, expected 3 (two on questions-pending, one on the overload topic)"
t_check "q_good was not dead-lettered" bash -c "! awk -F'\t' '\$2 == \"q_good${RUN}\"' '$T_DIR/failed.tsv' | grep -q ."
ov=$(consume "$T_OVERLOAD" | awk -F'\t' -v k="q_good${RUN}" '$2 == k {print $3}' | head -1)
t_check "the 503 went to the overload topic with its non-ASCII text: $ov" \
  jq -e '.http_status == 503 and (.error_message | test("過負荷"))' <<<"$ov" >/dev/null
for name in w1 w2 r1; do kill -0 "${PID_OF[$name]}" 2>/dev/null || t_fail "$name exited"; done
t_pass
