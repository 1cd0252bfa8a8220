#!/usr/bin/env bash
# stub_test.sh: integration checks of qaflow-llm-stub, a real server on a free port (one case per ctest test).
# Usage: stub_test.sh STUB_BINARY api|config|rates|errors|latency|hang|script|requests|bad_input|proxy|shutdown
set -Eeuo pipefail

STUB="${1:?usage: stub_test.sh STUB_BINARY CASE}"
CASE="${2:?usage: stub_test.sh STUB_BINARY CASE}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/qaflow-llmstub-test.XXXXXX")"
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [[ -n "${LLMSTUB_KEEP_LOGS:-}" ]]; then cat "$WORK"/*.log >>"$LLMSTUB_KEEP_LOGS"; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
# A command failing outside a check (set -e) ends the case: say where, and show the stubs' logs.
on_error() {
  echo "not ok - case $CASE stopped at line $1 (exit status $2)"
  local f; for f in "$WORK"/*.log; do [[ -f "$f" ]] && { echo "--- $f"; tail -n 20 "$f"; }; done
}
trap 'on_error $LINENO $?' ERR

PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() { local d="$1"; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
check_eq() { if [[ "$2" == "$3" ]]; then ok "$1"; else not_ok "$1: expected '$2', got '$3'"; fi; }
finish() { echo "$PASS passed, $FAIL failed"; ((FAIL == 0 && PASS > 0)); }

# start_stub NAME ARGS...: run the stub on a free port; sets PORT_<NAME> and PID_<NAME>.
start_stub() {
  local name="$1"; shift
  : >"$WORK/$name.log"
  "$STUB" --port 0 --log-level debug "$@" >>"$WORK/$name.log" 2>&1 &
  local pid=$! port="" i
  PIDS+=("$pid")
  for i in $(seq 1 100); do
    port="$(sed -n 's/.*listening addr=[^ ]* port=\([0-9]*\).*/\1/p' "$WORK/$name.log" || true)"
    [[ -n "$port" ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z "$port" ]]; then
    echo "not ok - stub '$name' did not start:"; cat "$WORK/$name.log"; exit 1
  fi
  printf -v "PORT_$name" '%s' "$port"
  printf -v "PID_$name" '%s' "$pid"
}

U="" # base URL of the main stub
post() { curl -s -X POST "$U$1" -H 'Content-Type: application/json' -d "$2"; }
status_of() { curl -s -o /dev/null -w '%{http_code}' -X POST "$U$1" -H 'Content-Type: application/json' -d "$2"; }
gen() { # gen PROMPT: an Ollama non-streaming request body
  jq -cn --arg p "$1" '{model:"tinyllama",prompt:$p,stream:false,options:{seed:7,temperature:0.7}}'
}
metric() { curl -s "$U/metrics" | awk -v m="$1" '$1 == m {print $2}'; }

case_api() {
  start_stub main --seed 3; U="http://127.0.0.1:$PORT_main"
  check "--help exits 0 and documents the admin API" bash -c "'$STUB' --help | grep -q /admin/script"
  check_eq "/health" "ok" "$(curl -s "$U/health" | jq -r .status)"
  local q="What is the capital of France? $$"
  local r1 r2 r3 r4
  r1="$(post /api/generate "$(gen "Question: $q
Answer:")")"
  check_eq "ollama: done is true" "true" "$(jq -r .done <<<"$r1")"
  check_eq "ollama: done_reason stop" "stop" "$(jq -r .done_reason <<<"$r1")"
  check_eq "ollama: model echoed" "tinyllama" "$(jq -r .model <<<"$r1")"
  check "ollama: created_at is ISO-8601 UTC" grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$' <<<"$(jq -r .created_at <<<"$r1")"
  local a1; a1="$(jq -r .response <<<"$r1")"
  check "ollama: non-empty answer about the question" grep -q "capital of France" <<<"$a1"
  r2="$(post /v1/chat/completions "$(jq -cn --arg q "$q" '{model:"m1",messages:[{role:"user",content:$q}]}')")"
  check_eq "chat: same question, same answer" "$a1" "$(jq -r '.choices[0].message.content' <<<"$r2")"
  check_eq "chat: object" "chat.completion" "$(jq -r .object <<<"$r2")"
  check_eq "chat: model echoed" "m1" "$(jq -r .model <<<"$r2")"
  r3="$(post /v1/completions "$(jq -cn --arg q "Question: $q
Answer:" '{prompt:$q,seed:1}')")"
  check_eq "completions: same answer" "$a1" "$(jq -r '.choices[0].text' <<<"$r3")"
  check_eq "completions: configured model when none asked" "tinyllama" "$(jq -r .model <<<"$r3")"
  check_eq "completions: finish_reason" "stop" "$(jq -r '.choices[0].finish_reason' <<<"$r3")"
  r4="$(post /api/generate "$(gen "Question: Why is the sky blue? $$
Answer:")")"
  check "another question, another answer" test "$(jq -r .response <<<"$r4")" != "$a1"
  check_eq "max_tokens cuts the answer" "3 length" \
    "$(post /v1/completions '{"prompt":"Q: x","max_tokens":3}' | jq -r '"\(.choices[0].text | split(" ") | length) \(.choices[0].finish_reason)"')"
  local s; s="$(curl -s "$U/api/generate" -d "$(jq -cn '{prompt:"Q: stream me"}')")"
  check_eq "ollama streams by default: 2 NDJSON lines, last done" "2 true" "$(jq -s '"\(length) \(.[-1].done)"' -r <<<"$s")"
  check_eq "/api/tags lists the model" "tinyllama:latest" "$(curl -s "$U/api/tags" | jq -r '.models[0].name')"
  check_eq "/v1/models lists the model" "tinyllama" "$(curl -s "$U/v1/models" | jq -r '.data[0].id')"
  check_eq "metrics count requests by API" "3" "$(metric 'qaflow_llmstub_requests_total{api="ollama_generate"}')"
}

case_config() {
  start_stub main --rate-503 0.1 --model gemma; U="http://127.0.0.1:$PORT_main"
  local c; c="$(curl -s "$U/admin/config")"
  check_eq "flags set the initial config" "0.1 gemma" "$(jq -r '"\(.rate_503) \(.model)"' <<<"$c")"
  check_eq "GET /admin/config has every agreed key" \
    "hang_rate latency_jitter_ms latency_ms model rate_402 rate_429 rate_503 retry_after_s" \
    "$(jq -r '[keys[] | select(. != "seed")] | join(" ")' <<<"$c")"
  c="$(post /admin/config '{"rate_429":0.25,"latency_ms":5}')"
  check_eq "partial update changes only the given keys" "0.1 0.25 5 gemma" \
    "$(jq -r '"\(.rate_503) \(.rate_429) \(.latency_ms) \(.model)"' <<<"$c")"
  check_eq "unknown key: 400" "400" "$(status_of /admin/config '{"rate_999":1}')"
  check_eq "rate above 1: 400" "400" "$(status_of /admin/config '{"rate_402":2}')"
  check_eq "rates summing above 1: 400" "400" "$(status_of /admin/config '{"rate_402":0.7}')"
  check_eq "malformed JSON: 400" "400" "$(status_of /admin/config '{')"
  check_eq "rejected updates change nothing" "0.1 0.25 0 5" \
    "$(curl -s "$U/admin/config" | jq -r '"\(.rate_503) \(.rate_429) \(.rate_402) \(.latency_ms)"')"
  check_eq "model change shows in /api/tags" "other:latest" \
    "$(post /admin/config '{"model":"other"}' >/dev/null; curl -s "$U/api/tags" | jq -r '.models[0].name')"
  QAFLOW_LLMSTUB_RATE_429=0.3 QAFLOW_LLMSTUB_MODEL=from-env start_stub envd
  check_eq "environment variables are read" "0.3 from-env" \
    "$(curl -s "http://127.0.0.1:$PORT_envd/admin/config" | jq -r '"\(.rate_429) \(.model)"')"
}

# burst N PATH BODY OUT: N requests over one keep-alive connection; one status per line in OUT.
burst() {
  local n="$1" path="$2" body="$3" out="$4" i entry
  entry="$(printf 'url = "%s%s"\ndata = %s\nheader = "Content-Type: application/json"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"' \
      "$U" "$path" "$(jq -Rn --arg b "$body" '$b')")"
  for ((i = 0; i < n; i++)); do ((i == 0)) || echo next; printf '%s\n' "$entry"; done >"$WORK/burst.cfg"
  curl -s -m 120 -K "$WORK/burst.cfg" >"$out" || true
}

within() { # within COUNT N RATE: |COUNT - N*RATE| < 5 standard deviations
  awk -v c="$1" -v n="$2" -v p="$3" 'BEGIN { sd = sqrt(n * p * (1 - p)); d = c - n * p; if (d < 0) d = -d; exit !(d < 5 * sd + 0.5) }'
}

case_rates() {
  start_stub main --seed 2024; U="http://127.0.0.1:$PORT_main"
  post /admin/config '{"rate_503":0.2,"rate_429":0.1,"rate_402":0.1,"seed":77}' >/dev/null
  local body; body="$(gen "Q: rates $$")"
  burst 1000 /api/generate "$body" "$WORK/r1"
  local n200 n503 n429 n402
  n200="$(grep -c '^200$' "$WORK/r1" || true)"; n503="$(grep -c '^503$' "$WORK/r1" || true)"
  n429="$(grep -c '^429$' "$WORK/r1" || true)"; n402="$(grep -c '^402$' "$WORK/r1" || true)"
  echo "# 1000 requests: 200=$n200 503=$n503 429=$n429 402=$n402"
  check_eq "1000 answers, nothing else" "1000" "$((n200 + n503 + n429 + n402))"
  check "503 share near 0.2" within "$n503" 1000 0.2
  check "429 share near 0.1" within "$n429" 1000 0.1
  check "402 share near 0.1" within "$n402" 1000 0.1
  check "200 share near 0.6" within "$n200" 1000 0.6
  check_eq "fault counters match what was sent" "$n503" "$(metric 'qaflow_llmstub_faults_injected_total{kind="503"}')"
  post /admin/config '{"seed":77}' >/dev/null
  burst 1000 /api/generate "$body" "$WORK/r2"
  check "same seed: the same status sequence" cmp -s "$WORK/r1" "$WORK/r2"
  post /admin/config '{"seed":78}' >/dev/null
  burst 1000 /api/generate "$body" "$WORK/r3"
  check "another seed: another sequence" bash -c "! cmp -s '$WORK/r1' '$WORK/r3'"
  post /admin/config '{"rate_503":0,"rate_429":0,"rate_402":0}' >/dev/null
  burst 200 /v1/completions '{"prompt":"Q: off"}' "$WORK/r4"
  check_eq "faults switched off live: 200 only" "200" "$(grep -c '^200$' "$WORK/r4")"
}

case_errors() {
  start_stub main; U="http://127.0.0.1:$PORT_main"
  post /admin/config '{"rate_503":1,"retry_after_s":3}' >/dev/null
  curl -s -D "$WORK/h" -o "$WORK/b" "$U/api/generate" -d "$(gen 'Q: e1')"
  check "503 with Retry-After: 3" grep -qi '^Retry-After: 3' "$WORK/h"
  check "ollama error shape {\"error\": string}" jq -e '.error | type == "string"' "$WORK/b"
  curl -s -D "$WORK/h" -o "$WORK/b" "$U/v1/chat/completions" -d '{"messages":[{"role":"user","content":"e2"}]}'
  check "openai error shape {error:{message,type,code}}" jq -e '.error.message and .error.type and .error.code' "$WORK/b"
  post /admin/config '{"rate_503":0,"rate_429":1,"retry_after_s":0}' >/dev/null
  curl -s -D "$WORK/h" -o "$WORK/b" "$U/v1/completions" -d '{"prompt":"e3"}'
  check "429 status" grep -q '^HTTP/1.1 429' "$WORK/h"
  check "no Retry-After when retry_after_s is 0" bash -c "! grep -qi '^Retry-After' '$WORK/h'"
  check_eq "openai 429 code" "rate_limit_exceeded" "$(jq -r .error.code "$WORK/b")"
  post /admin/config '{"rate_429":0,"rate_402":1,"retry_after_s":60}' >/dev/null
  curl -s -D "$WORK/h" -o "$WORK/b" "$U/v1/completions" -d '{"prompt":"e4"}'
  check "402 with Retry-After: 60" grep -qi '^Retry-After: 60' "$WORK/h"
  check_eq "openai 402 code insufficient_quota" "insufficient_quota" "$(jq -r .error.code "$WORK/b")"
  curl -s -o "$WORK/b" "$U/api/generate" -d "$(gen 'Q: e5')"
  check "ollama 402 body says quota exceeded" grep -q "quota exceeded" "$WORK/b"
}

case_latency() {
  start_stub main --seed 5; U="http://127.0.0.1:$PORT_main"
  post /admin/config '{"latency_ms":400}' >/dev/null
  local t; t="$(curl -s -o /dev/null -w '%{time_total}' "$U/api/generate" -d "$(gen 'Q: slow')")"
  check "fixed latency: the answer takes at least 400 ms (took ${t}s)" awk -v t="$t" 'BEGIN{exit !(t >= 0.39 && t < 30)}'
  post /admin/config '{"latency_ms":0,"latency_jitter_ms":300}' >/dev/null
  local i max=0 min=9
  for i in $(seq 1 15); do
    t="$(curl -s -o /dev/null -w '%{time_total}' "$U/api/generate" -d "$(gen "Q: jitter $i")")"
    max="$(awk -v a="$max" -v b="$t" 'BEGIN{print (b > a ? b : a)}')"
  done
  check "random latency: some of 15 answers waited over 50 ms (max ${max}s)" awk -v t="$max" 'BEGIN{exit !(t > 0.05)}'
  check_eq "injected delays observed by the histogram" "16" "$(metric qaflow_llmstub_injected_latency_seconds_count)"
  post /admin/config '{"latency_jitter_ms":0,"latency_ms":5000}' >/dev/null
  curl -s -m 1 -o /dev/null "$U/api/generate" -d "$(gen 'Q: abandoned')" || true
  local dropped=0
  for i in $(seq 1 100); do dropped="$(metric qaflow_llmstub_dropped_total)"; [[ "$dropped" == 1 ]] && break; sleep 0.1; done
  check_eq "a client leaving mid-delay is noticed (long before the 5 s delay ends)" "1" "$dropped"
}

case_hang() {
  start_stub main; U="http://127.0.0.1:$PORT_main"
  post /admin/config '{"hang_rate":1}' >/dev/null
  post /admin/script '{"match":"scripted-while-hanging","responses":[{"answer":"still here"}]}' >/dev/null
  local i
  for i in 1 2 3 4 5 6; do
    (curl -s -m 20 -o /dev/null -w '%{http_code}' "$U/api/generate" -d "$(gen "Q: hang $i")" >"$WORK/hang$i" || true) &
  done
  local held=0
  for i in $(seq 1 100); do held="$(metric qaflow_llmstub_held_requests)"; [[ "$held" == 6 ]] && break; sleep 0.1; done
  check_eq "six requests held at once" "6" "$held"
  local t; t="$(curl -s -m 10 -o "$WORK/b" -w '%{time_total}' "$U/api/generate" -d "$(gen 'Q: scripted-while-hanging')")"
  check_eq "another request is answered while six hang" "still here" "$(jq -r .response "$WORK/b")"
  check_eq "health answers while requests hang" "ok" "$(curl -s -m 5 "$U/health" | jq -r .status)"
  check_eq "admin answers while requests hang" "1" "$(curl -s -m 5 "$U/admin/config" | jq -r .hang_rate)"
  check "hung requests get no answer" bash -c "! grep -q '^200' '$WORK/hang1'"
  # Clients giving up free their held requests.
  curl -s -m 1 -o /dev/null "$U/v1/completions" -d '{"prompt":"Q: short hang"}' && r=0 || r=$?
  check_eq "a hung client times out (curl exit 28)" "28" "$r"
  post /admin/config '{"hang_rate":0}' >/dev/null
  check_eq "hang switched off live: answered" "200" "$(status_of /v1/completions '{"prompt":"Q: after"}')"
  # --hang-max-ms: the stub closes a held connection itself (curl: empty reply, exit 52).
  start_stub capped --hang-rate 1 --hang-max-ms 300
  local t0=$SECONDS
  curl -s -m 30 -o /dev/null "http://127.0.0.1:$PORT_capped/api/generate" -d "$(gen 'Q: capped')" && r=0 || r=$?
  check_eq "--hang-max-ms closes the held connection without an answer" "52" "$r"
  check "... well before the client's own 30 s timeout" test $((SECONDS - t0)) -lt 20
}

case_script() {
  start_stub main; U="http://127.0.0.1:$PORT_main"
  local m="script-q-$$"
  local spec; spec="$(jq -cn --arg m "$m" '{match:$m,responses:[{status:200,answer:"first"},{status:503},{status:402,retry_after_s:3},{status:429},{hang:true},{status:200,answer:""}]}')"
  check_eq "POST /admin/script" "200" "$(status_of /admin/script "$spec")"
  local body; body="$(gen "Question: $m?
Answer:")"
  check_eq "1st: scripted answer" "first" "$(post /api/generate "$body" | jq -r .response)"
  check_eq "2nd: 503" "503" "$(status_of /api/generate "$body")"
  curl -s -D "$WORK/h" -o /dev/null "$U/api/generate" -d "$body"
  check "3rd: 402 with its own Retry-After: 3" grep -qi '^Retry-After: 3' "$WORK/h"
  check_eq "4th: 429" "429" "$(status_of /api/generate "$body")"
  local r; curl -s -m 1 -o /dev/null "$U/api/generate" -d "$body" && r=0 || r=$?
  check_eq "5th: hang (client times out)" "28" "$r"
  check_eq "6th: empty answer" "200:" "$(curl -s -w '%{http_code}' -o "$WORK/b" "$U/api/generate" -d "$body"):$(jq -r .response "$WORK/b")"
  check_eq "7th: the last response repeats" "200:" "$(curl -s -w '%{http_code}' -o "$WORK/b" "$U/api/generate" -d "$body"):$(jq -r .response "$WORK/b")"
  check_eq "scripts also apply to the OpenAI API" "200:" "$(curl -s -w '%{http_code}' -o "$WORK/b" "$U/v1/chat/completions" -d "$(jq -cn --arg m "$m" '{messages:[{role:"user",content:$m}]}')"):$(jq -r '.choices[0].message.content' "$WORK/b")"
  check_eq "other prompts unaffected" "200" "$(status_of /api/generate "$(gen 'Q: unscripted')")"
  check_eq "GET /admin/script lists it" "$m" "$(curl -s "$U/admin/script" | jq -r '.scripts[0].match')"
  post /admin/script '{"match":"raw-body","responses":[{"status":200,"raw":"this is not json"},{"status":404,"error":"model \"x\" not found"}]}' >/dev/null
  check_eq "raw bodies for malformed-response tests" "this is not json" "$(post /api/generate "$(gen 'raw-body')")"
  check_eq "custom error message" 'model "x" not found' "$(post /api/generate "$(gen 'raw-body')" | jq -r .error)"
  check_eq "bad script: 400" "400" "$(status_of /admin/script '{"match":"x","responses":[{"status":"oops"}]}')"
  curl -s -X DELETE "$U/admin/script" >/dev/null
  check_eq "DELETE /admin/script clears" "0" "$(curl -s "$U/admin/script" | jq '.scripts | length')"
  check "after clear: the default answer again" bash -c "[[ \"\$(curl -s '$U/api/generate' -d '$body' | jq -r .response)\" == About* ]]"
}

case_requests() {
  start_stub main; U="http://127.0.0.1:$PORT_main"
  local q="Which river flows through Paris? $$"
  local ref="REFERENCE-ANSWER-SEINE-$$"
  post /api/generate "$(jq -cn --arg p "Question: $q
Answer:" '{model:"tinyllama",prompt:$p,stream:false,options:{seed:4242}}')" >/dev/null
  post /v1/chat/completions "$(jq -cn --arg q "$q" '{model:"c",seed:17,messages:[{role:"system",content:"Answer briefly."},{role:"user",content:$q}]}')" >/dev/null
  local j; j="$(curl -s "$U/admin/requests")"
  check_eq "two requests recorded" "2" "$(jq '.requests | length' <<<"$j")"
  check_eq "path, model, seed, status recorded" "/api/generate tinyllama 4242 200" \
    "$(jq -r '.requests[0] | "\(.path) \(.model) \(.seed) \(.status)"' <<<"$j")"
  check "the full prompt is recorded" jq -e --arg q "$q" '.requests[0].prompt | contains($q) and contains("Answer:")' <<<"$j"
  check "chat: every message is in the recorded prompt" jq -e --arg q "$q" '.requests[1].prompt | contains("Answer briefly.") and contains($q)' <<<"$j"
  check "arrival time recorded" jq -e '.requests[0].at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T.*Z$")' <<<"$j"
  check "a reference answer that was never sent is not in any prompt" jq -e --arg r "$ref" '[.requests[].prompt | contains($r)] | any | not' <<<"$j"
  post /admin/config '{"rate_503":1}' >/dev/null
  post /api/generate "$(gen "Q: failing $$")" >/dev/null
  check_eq "faulted requests recorded with their status" "503" \
    "$(curl -s "$U/admin/requests?match=failing" | jq -r '.requests[0].status')"
  check_eq "?match= filters by prompt" "1" "$(curl -s "$U/admin/requests?match=failing%20$$" | jq '.requests | length')"
  curl -s -X DELETE "$U/admin/requests" >/dev/null
  check_eq "DELETE /admin/requests clears" "0" "$(curl -s "$U/admin/requests" | jq '.requests | length')"
}

case_bad_input() {
  start_stub main --max-body 4096; U="http://127.0.0.1:$PORT_main"
  curl -s -o "$WORK/b" -w '%{http_code}' "$U/api/generate" -d '{"prompt":' >"$WORK/s"
  check_eq "malformed JSON: 400" "400" "$(cat "$WORK/s")"
  check "malformed JSON: Ollama error shape" jq -e '.error | type == "string"' "$WORK/b"
  curl -s -o "$WORK/b" -w '%{http_code}' "$U/v1/chat/completions" -d '{"messages":[]}' >"$WORK/s"
  check_eq "no messages: 400" "400" "$(cat "$WORK/s")"
  check "no messages: OpenAI error shape" jq -e '.error.message' "$WORK/b"
  check_eq "GET on a POST endpoint: 405" "405" "$(curl -s -o /dev/null -w '%{http_code}' "$U/api/generate")"
  check_eq "unknown path: 404" "404" "$(curl -s -o /dev/null -w '%{http_code}' "$U/nope")"
  head -c 10000 /dev/zero | tr '\0' 'a' >"$WORK/big"
  check_eq "body over --max-body: 413" "413" "$(curl -s -o /dev/null -w '%{http_code}' "$U/v1/completions" --data-binary @"$WORK/big")"
  check_eq "bad request counted" "2" "$(metric qaflow_llmstub_bad_requests_total)"
  check_eq "still serving" "200" "$(status_of /v1/completions '{"prompt":"ok"}')"
  check "bad flag: exit 2" bash -c "'$STUB' --rate-503 2 >/dev/null 2>&1; [[ \$? == 2 ]]"
  check "rates summing above 1: exit 2" bash -c "'$STUB' --port 0 --rate-503 0.6 --rate-429 0.6 >/dev/null 2>&1; [[ \$? == 2 ]]"
}

case_proxy() {
  # The upstream is a second stub: a real HTTP LLM server whose answers and recorded prompts we control.
  start_stub up --model upstream-model; local UP="http://127.0.0.1:$PORT_up"
  curl -s -X POST "$UP/admin/script" -d '{"match":"proxied","responses":[{"answer":"from upstream"}]}' >/dev/null
  start_stub main --upstream "$UP" --seed 9; U="http://127.0.0.1:$PORT_main"
  check_eq "health says proxy mode" "proxy $UP" "$(curl -s "$U/health" | jq -r '"\(.mode) \(.upstream)"')"
  check_eq "answers come from upstream (ollama)" "from upstream" "$(post /api/generate "$(gen 'Q: proxied 1')" | jq -r .response)"
  check_eq "answers come from upstream (openai)" "from upstream" \
    "$(post /v1/completions '{"prompt":"Q: proxied 2"}' | jq -r '.choices[0].text')"
  check_eq "upstream saw both prompts" "2" "$(curl -s "$UP/admin/requests?match=proxied" | jq '.requests | length')"
  check_eq "model listing forwarded" "upstream-model:latest" "$(curl -s "$U/api/tags" | jq -r '.models[0].name')"
  check_eq "proxy records forwarded requests with upstream status" "200" \
    "$(curl -s "$U/admin/requests?match=proxied%201" | jq -r '.requests[0].status')"
  post /admin/config '{"rate_503":1,"retry_after_s":2}' >/dev/null
  curl -s -D "$WORK/h" -o /dev/null "$U/api/generate" -d "$(gen 'Q: proxied 3')"
  check "fault injected in front of upstream: 503 + Retry-After" grep -qi '^Retry-After: 2' "$WORK/h"
  check_eq "a faulted request never reaches upstream" "0" "$(curl -s "$UP/admin/requests?match=proxied%203" | jq '.requests | length')"
  post /admin/config '{"rate_503":0}' >/dev/null
  curl -s -X POST "$UP/admin/config" -d '{"rate_429":1,"retry_after_s":7}' >/dev/null
  curl -s -D "$WORK/h" -o /dev/null "$U/v1/completions" -d '{"prompt":"Q: relayed error"}'
  check "upstream errors and Retry-After pass through" grep -qi '^Retry-After: 7' "$WORK/h"
  kill "$PID_up"; wait "$PID_up" 2>/dev/null || true
  check_eq "upstream down: 502" "502" "$(status_of /v1/completions '{"prompt":"Q: proxied 5"}')"
  check_eq "upstream errors counted" "1" "$(metric qaflow_llmstub_upstream_errors_total)"
}

case_shutdown() {
  start_stub main --hang-rate 1; U="http://127.0.0.1:$PORT_main"
  (curl -s -m 60 -o /dev/null "$U/api/generate" -d "$(gen 'Q: held at shutdown')" || true) &
  local i held=0
  for i in $(seq 1 100); do held="$(metric qaflow_llmstub_held_requests)"; [[ "$held" == 1 ]] && break; sleep 0.1; done
  check_eq "one request held" "1" "$held"
  kill -TERM "$PID_main"
  local rc=0 gone=0
  for i in $(seq 1 100); do kill -0 "$PID_main" 2>/dev/null || { gone=1; break; }; sleep 0.1; done
  check_eq "SIGTERM stops the stub despite a held request (within 10 s)" "1" "$gone"
  wait "$PID_main" || rc=$?
  check_eq "clean exit status" "0" "$rc"
  check "shutdown logged" grep -q "INFO llm-stub: stopped" "$WORK/main.log"
}

"case_$CASE"
finish
