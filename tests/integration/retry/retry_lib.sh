# retry_lib.sh -- helpers of the retry tests on top of ../llm/lib.sh: messages, waits, delay checks.
. "$(dirname "${BASH_SOURCE[0]}")/../llm/lib.sh"

# e_json ID ERROR_RETRIES TYPE [RETRY_AFTER_S]: an error-topic message as the worker writes it.
e_json() {
  jq -cn --arg id "$1" --argjson er "$2" --arg ty "$3" --arg ra "${4:-}" '
    {question_id:$id, question_text:("Retry question " + $id + "?"), original_answer:"ref",
     retry_count:1, error_retries:$er, timestamp:"2025-10-28T10:30:05.000Z", error_type:$ty,
     http_status:(if $ty == "quota" then 402 else 503 end), error_message:"test error",
     created_at:"2025-10-28T10:30:00.000Z"} + (if $ra == "" then {} else {retry_after_s:($ra|tonumber)} end)'
}

psql_q() { psql "$QAFLOW_TEST_PG_DSN" -XAtq -F $'\t' -c "$1"; }

# delay_of ERR_TSV PEND_TSV ID ER: ms between the error message (error_retries=ER) and the
# forwarded question (error_retries=ER+1), by Kafka timestamps.
delay_of() {
  local te tf
  te=$(awk -F'\t' -v k="$3" '$2 == k' "$1" | while IFS=$'\t' read -r ts key msg; do
         [[ $(jq .error_retries <<<"$msg") == "$4" ]] && echo "$ts"; done | head -1)
  tf=$(awk -F'\t' -v k="$3" '$2 == k' "$2" | while IFS=$'\t' read -r ts key msg; do
         [[ $(jq .error_retries <<<"$msg") == "$(($4 + 1))" ]] && echo "$ts"; done | head -1)
  [[ -n $te && -n $tf ]] || { echo "missing"; return 0; }
  echo $((tf - te))
}

# check_delay NAME MEASURED NOMINAL_MS: never early; late by less than a generous bound (the
# requirement is <= 1 s while the consumer keeps up; 2.5 s leaves room for a loaded machine).
check_delay() {
  [[ $2 != missing ]] || t_fail "$1: message not found"
  t_log "$1: delay ${2} ms (nominal $3 ms)"
  (($2 >= $3)) || t_fail "$1: forwarded after $2 ms, before its due time ($3 ms)"
  (($2 < $3 + 2500)) || t_fail "$1: forwarded after $2 ms, more than 2.5 s late (nominal $3 ms)"
}

# wait_scheduled NAME PREFIX N: waits (30 s at most) until retry consumer NAME has logged the
# scheduling of N questions whose ids start with PREFIX.
wait_scheduled() {
  local deadline=$((SECONDS + 30))
  until (($(grep -c "schedule question_id=$2" "$T_DIR/$1.log" || true) >= $3)); do
    ((SECONDS < deadline)) || t_fail "$1 did not schedule the $3 messages"
    sleep 0.1
  done
}

# forwarded_count PREFIX N SECS: waits up to SECS until N distinct questions whose ids start with
# PREFIX are on questions-pending; prints how many there are (the caller decides what to fail).
forwarded_count() {
  local deadline=$((SECONDS + $3)) uniq=0
  while ((SECONDS < deadline)); do
    uniq=$(consume "$T_PENDING" | cut -f2 | grep "$1" | sort -u | wc -l)
    ((uniq == $2)) && break
    sleep 0.5
  done
  echo "$uniq"
}

# check_not_early ID ER: question ID, sent with error_retries=ER, was forwarded and not before
# its due time (2^ER s), by $T_DIR/err.tsv and $T_DIR/pend.tsv (consume both first).
check_not_early() {
  local d
  d=$(delay_of "$T_DIR/err.tsv" "$T_DIR/pend.tsv" "$1" "$2")
  [[ $d != missing ]] || t_fail "$1 not forwarded"
  ((d >= (1000 << $2))) || t_fail "$1 forwarded after $d ms, before its due time"
}
