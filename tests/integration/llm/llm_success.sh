#!/usr/bin/env bash
# llm_success.sh -- questions-pending -> worker -> llm-responses-success with the seed's fields;
# the reference answer never reaches the LLM; the seed differs per regeneration; regenerations
# are sampled at --regen-temperature, first attempts at --temperature.
. "$(dirname "$0")/lib.sh"

start_stub
start_worker w1 --concurrency 4 --regen-temperature 1.1
wait_assigned w1 3 60

N=6
for i in $(seq $N); do
  rc=$((i % 3)); er=$((i % 2))
  produce "$T_PENDING" "q_succ${RUN}_$i" "$(q_json "q_succ${RUN}_$i" "What is success number $i of run $RUN?" "SECRET-REFERENCE-$RUN-$i" $rc $er $i)"
done
wait_lines "$T_SUCCESS" "q_succ${RUN}_" $N 60

consume "$T_SUCCESS" >"$T_DIR/success.tsv"
for i in $(seq $N); do
  id="q_succ${RUN}_$i"; rc=$((i % 3)); er=$((i % 2))
  line=$(awk -F'\t' -v k="$id" '$2 == k' "$T_DIR/success.tsv" | head -1)
  [[ -n $line ]] || t_fail "no success message keyed $id"
  msg=$(cut -f3- <<<"$line")
  # the seed's fields, then the additions, with the question's values carried unchanged
  t_check "$id: fields" jq -e --arg id "$id" --arg t "What is success number $i of run $RUN?" \
    --arg o "SECRET-REFERENCE-$RUN-$i" --argjson rc $rc --argjson er $er --argjson qrun $i '
      .question_id == $id and .run == $qrun and .question_text == $t and .original_answer == $o and
      (.llm_response | type == "string" and length > 0) and .retry_count == $rc and
      (.response_time_ms | type == "number" and . >= 0) and (.timestamp | test("^[0-9-]{10}T[0-9:]{8}\\.[0-9]{3}Z$")) and
      .error_retries == $er and .created_at == "2025-10-28T10:30:00.000Z" and
      (.llm_started_at <= .llm_finished_at) and .model == "tinyllama"' <<<"$msg" >/dev/null
  # the answer is the stub's answer for this question (not made up by the worker)
  t_check "$id: answer mentions the question" grep -q "success number $i" <<<"$(jq -r .llm_response <<<"$msg")"
done

# The LLM saw every question, never a reference answer.
stub_admin GET /admin/requests >"$T_DIR/requests.json"
seen=$(jq --arg r "$RUN" '[.requests[] | select(.prompt | contains("of run " + $r + "?"))] | length' "$T_DIR/requests.json")
((seen >= N)) || t_fail "stub recorded $seen prompts for this run, expected >= $N"
leaks=$(jq --arg r "SECRET-REFERENCE-$RUN" '[.requests[] | select(.prompt | contains($r))] | length' "$T_DIR/requests.json")
((leaks == 0)) || t_fail "$leaks prompt(s) contain the reference answer"
# ... and the prompt is the few-shot completion prompt ending in the question
t_check "prompt shape" jq -e --arg r "$RUN" '[.requests[] | select(.prompt | contains("of run " + $r + "?"))][0].prompt
  | test("Question: What is success number [0-9]+ of run [0-9]+\\?\nAnswer:$")' "$T_DIR/requests.json" >/dev/null
# the Ollama request is what docs/llm.md says: a raw completion (no chat template), not streamed, the
# worker's own prompt (--print-prompt) and sampling options. Question 1 is a regeneration (retry_count 1).
q1="What is success number 1 of run $RUN?"
t_check "ollama request body" jq -e --arg q "$q1" --arg p "$("$LLM_WORKER_BIN" --print-prompt "$q1")" '
  [.requests[] | select(.prompt | contains($q))][0].body
  | .prompt == $p and .raw == true and .stream == false and .model == "tinyllama"
    and (.options.seed | type == "number") and .options.temperature == 1.1 and .options.num_predict == 128
    and .options.stop == ["\nQuestion:"] and (keys == ["model", "options", "prompt", "raw", "stream"])' \
  "$T_DIR/requests.json" >/dev/null
# first attempts (retry_count 0: questions 3 and 6) at --temperature, regenerations at --regen-temperature
temps=$(jq -c --arg r "$RUN" '[.requests[] | select(.prompt | contains("of run " + $r + "?"))
  | {n: (.prompt | capture("success number (?<n>[0-9]+) of run").n | tonumber), t: .body.options.temperature}]
  | unique_by(.n) | map("\(.n):\(.t)") | join(" ")' "$T_DIR/requests.json")
[[ $temps == '"1:1.1 2:1.1 3:0.7 4:1.1 5:1.1 6:0.7"' ]] || t_fail "temperatures per question: $temps"
# seeds: one per (question, retry_count); different questions/attempts get different seeds
nseeds=$(jq --arg r "$RUN" '[.requests[] | select(.prompt | contains("of run " + $r + "?")) | .seed] | unique | length' "$T_DIR/requests.json")
((nseeds == N)) || t_fail "expected $N distinct seeds, got $nseeds"
t_pass
