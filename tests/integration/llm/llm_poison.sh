#!/usr/bin/env bash
# llm_poison.sh -- hostile bytes stop nothing: messages whose values would be cut mid-character (a timestamp
# of fourteen '€'), raw invalid UTF-8 values and keys, on questions-pending (one per partition, so both
# workers get one) and on both error topics, are dead-lettered with a reason, the raw value and key in headers,
# and their offsets committed; an LLM 503 with a long non-ASCII error text is retried (not dead-lettered as
# unencodable); both workers and both retry consumers keep running and the good questions complete, one of them
# through the quota retry consumer.
. "$(dirname "$0")/lib.sh"

EURO=$(printf '€%.0s' $(seq 14))
LONG=$(printf 'サーバーが過負荷です€%.0s' $(seq 30))   # ~960 bytes: cut by every buffer on its way
start_stub
stub_admin POST /admin/script "$(jq -cn --arg m "poison-$RUN" --arg e "$LONG" \
  '{match:$m, responses:[{status:503, error:$e}, {status:200, answer:"fine after a 503"}]}')" >/dev/null
stub_admin POST /admin/script "{\"match\":\"quotapx-$RUN\",\"responses\":[{\"status\":402,\"retry_after_s\":1},{\"status\":200,\"answer\":\"fine after a 402\"}]}" >/dev/null
start_worker w1 --concurrency 2
start_worker w2 --concurrency 2
start_retry r1 overload
start_retry r2 quota
wait_assigned r1 2 60
wait_assigned r2 2 60
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
produce "$T_QUOTA" "q_euro${RUN}_qu" "$(jq -cn --arg id "q_euro${RUN}_qu" --arg ts "$EURO" \
  '{question_id:$id, question_text:"x", original_answer:"y", retry_count:0, error_retries:0, timestamp:$ts}')"
printf '\xfe\xff\t\xff{"error_type":\n' | kcat -P -b "$K" -t "$T_QUOTA" -p 1 -K $'\t'
produce "$T_PENDING" "q_goodq${RUN}" "$(q_json "q_goodq${RUN}" "Question quotapx-$RUN?" "ref")"
produce "$T_PENDING" "q_good${RUN}" "$(q_json "q_good${RUN}" "Question poison-$RUN?" "ref")"
for p in 0 1 2; do
  produce "$T_PENDING" "q_after${RUN}_$p" "$(q_json "q_after${RUN}_$p" "Still answering $RUN on $p?" "yes")" "$p"
done

wait_lines "$T_SUCCESS" "q_good${RUN}" 1 90
wait_lines "$T_SUCCESS" "q_goodq${RUN}" 1 90
for p in 0 1 2; do wait_lines "$T_SUCCESS" "q_after${RUN}_$p" 1 60; done
wait_lines "$T_FAILED" "malformed" 9 60
consume "$T_FAILED" >"$T_DIR/failed.tsv"
t_check "every dead letter is valid JSON" bash -c "cut -f3 '$T_DIR/failed.tsv' | jq -e . >/dev/null"
for k in "q_euro${RUN}_p0" "q_euro${RUN}_p1" "q_euro${RUN}_p2" "q_euro${RUN}_ov" "q_euro${RUN}_qu"; do
  msg=$(awk -F'\t' -v k="$k" '$2 == k {print $3}' "$T_DIR/failed.tsv" | head -1)
  [[ -n $msg ]] || t_fail "no dead letter keyed $k"
  t_check "$k: $msg" jq -e '(.reason | startswith("malformed message")) and (.reason | test("timestamp"))
    and (.stage == "llm" or .stage == "retry")' <<<"$msg" >/dev/null
done
n=$(awk -F'\t' '$2 == "unknown"' "$T_DIR/failed.tsv" | wc -l)
((n >= 4)) || t_fail "$n dead letters keyed unknown, expected 4 (two on questions-pending, one on each error topic)"
# the raw value (and key) of each dead letter is in its headers, byte for byte
kcat -C -b "$K" -t "$T_FAILED" -e -q -f '%k\t%h\n' 2>/dev/null >"$T_DIR/headers.tsv" || true
t_check "raw value of q_euro${RUN}_qu in the headers" \
  env LC_ALL=C grep -q "^q_euro${RUN}_qu	qaflow-raw-value={\"question_id\":\"q_euro${RUN}_qu\".*$EURO" "$T_DIR/headers.tsv"
t_check "raw value and key of the invalid bytes on the quota topic in the headers" \
  env LC_ALL=C grep -q $'^unknown\tqaflow-raw-value=\xff{"error_type":,qaflow-raw-key=\xfe\xff$' "$T_DIR/headers.tsv"
t_check "q_good was not dead-lettered" bash -c "! awk -F'\t' '\$2 == \"q_good${RUN}\"' '$T_DIR/failed.tsv' | grep -q ."
ov=$(consume "$T_OVERLOAD" | awk -F'\t' -v k="q_good${RUN}" '$2 == k {print $3}' | head -1)
t_check "the 503 went to the overload topic with its non-ASCII text: $ov" \
  jq -e '.http_status == 503 and (.error_message | test("過負荷"))' <<<"$ov" >/dev/null
for name in w1 w2 r1 r2; do kill -0 "${PID_OF[$name]}" 2>/dev/null || t_fail "$name exited"; done
t_pass
