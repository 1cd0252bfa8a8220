#!/usr/bin/env bash
# 03_bad_input.sh -- every kind of bad input gets a clear JSON error and a 4xx, writes nothing, crashes nothing.
source "$(dirname "$0")/lib.sh"
require_env
start_storage badinput $((QAFLOW_TEST_PORT_BASE + 110))

rows_before="$(psql_q "SELECT (SELECT count(*) FROM questions) || '/' || (SELECT count(*) FROM outbox)")"
tag="$(unique 'bad-input')"

# bad_post NAME EXPECTED_CODE ERROR_REGEX: posts $TMPDIR_T/bad.json
bad_post() {
  local body
  http POST "$STORAGE_URL/query" "$TMPDIR_T/bad.json"; body="$BODY"
  [[ "$HTTP_CODE" == "$2" ]] || fail "$1: expected $2, got $HTTP_CODE ($body)"
  jq -e --arg re "$3" '.error | type == "string" and test($re; "i")' <<<"$body" >/dev/null \
    || fail "$1: error message does not match /$3/: $body"
  note "$1 -> $HTTP_CODE $(jq -r .error <<<"$body")"
}
case_body() { printf '%s' "$2" >"$TMPDIR_T/bad.json"; bad_post "$1" "$3" "$4"; }

case_body "malformed JSON" '{"question_text": "x' 400 'invalid JSON'
case_body "not an object" '["question_text", "x"]' 400 'object'
case_body "empty body" '' 400 'empty|JSON'
case_body "trailing garbage" '{"question_text": "a", "original_answer": "b"} xyz' 400 'invalid JSON'
case_body "missing question_text" '{"original_answer": "b"}' 400 "missing field 'question_text'"
case_body "missing original_answer" "{\"question_text\": \"$tag 1\"}" 400 "missing field 'original_answer'"
case_body "question_text a number" '{"question_text": 42, "original_answer": "b"}' 400 "question_text.*string"
case_body "original_answer an object" "{\"question_text\": \"$tag 2\", \"original_answer\": {\"a\": 1}}" 400 "original_answer.*string"
case_body "question_text null" '{"question_text": null, "original_answer": "b"}' 400 "missing field 'question_text'"
case_body "empty question_text" '{"question_text": "", "original_answer": "b"}' 400 "question_text.*empty"
case_body "blank question_text" '{"question_text": " \t\n ", "original_answer": "b"}' 400 "question_text.*empty"
case_body "empty original_answer" "{\"question_text\": \"$tag 3\", \"original_answer\": \"\"}" 400 "original_answer.*empty"
case_body "duplicate keys" '{"question_text": "a", "question_text": "b", "original_answer": "c"}' 400 'duplicate'
case_body "NUL escape" '{"question_text": "a\u0000b", "original_answer": "c"}' 400 'NUL'
printf '{"question_text": "caf\xe9 %s", "original_answer": "b"}' "$tag" >"$TMPDIR_T/bad.json"
bad_post "invalid UTF-8 (latin-1 byte)" 400 'invalid JSON|UTF-8|decode'
printf '{"question_text": "x\xed\xa0\x80 %s", "original_answer": "b"}' "$tag" >"$TMPDIR_T/bad.json"
bad_post "invalid UTF-8 (surrogate)" 400 'invalid JSON|UTF-8|decode'
case_body "zero-width and no-break spaces only" "{\"question_text\": \"$tag 4\", \"original_answer\": \"\u200b\u00a0\u2060\u3000\ufeff\"}" 400 "original_answer.*empty"

# ctype_post NAME CONTENT_TYPE|- EXPECTED_CODE: a valid body under another (or no) Content-Type
ctype_post() {
  local h=() out="$TMPDIR_T/ct.out"
  [[ "$2" != - ]] && h=(-H "Content-Type: $2")
  jq -nc --arg q "$tag ctype $1" '{question_text: $q, original_answer: "b"}' >"$TMPDIR_T/ct.json"
  HTTP_CODE=$(curl -sS -m 30 -o "$out" -w '%{http_code}' -X POST "${h[@]}" --data-binary "@$TMPDIR_T/ct.json" "$STORAGE_URL/query")
  [[ "$HTTP_CODE" == "$3" ]] || fail "Content-Type $1: expected $3, got $HTTP_CODE ($(cat "$out"))"
  note "Content-Type $1 -> $HTTP_CODE"
}
ctype_post text/plain text/plain 415
ctype_post none - 415
ctype_post form application/x-www-form-urlencoded 415
ctype_post jsonx application/jsonx 415
ctype_post "json with charset" 'Application/JSON; charset=utf-8' 202

head -c 70000 /dev/zero | tr '\0' 'a' | jq -Rc '{question_text: ., original_answer: "b"}' >"$TMPDIR_T/bad.json"
bad_post "body over 64 KiB" 413 'larger than 65536'

note "a body just under the limit is accepted"
head -c 60000 /dev/zero | tr '\0' 'b' | jq -Rc --arg t "$tag" '{question_text: ($t + .), original_answer: "b"}' >"$TMPDIR_T/ok.json"
http POST "$STORAGE_URL/query" "$TMPDIR_T/ok.json"
expect_code 202 "60 KB question"
big_qid="$(psql_q "SELECT question_id FROM questions WHERE question_text LIKE '$tag%' AND length(question_text) > 59000")"
[[ -n "$big_qid" ]] || fail "60 KB question not stored"

note "routes and methods"
http GET "$STORAGE_URL/nope"; expect_code 404 "unknown route"
http GET "$STORAGE_URL/"; expect_code 404 "root"
http GET "$STORAGE_URL/query"; expect_code 405 "GET /query"
allow="$(curl -sS -o /dev/null -D - "$STORAGE_URL/query" | tr -d '\r' | awk -F': ' 'tolower($1) == "allow" {print $2}')"
[[ "$allow" == POST ]] || fail "405 without Allow: POST (got '$allow')"
http DELETE "$STORAGE_URL/status/q_0123456789abcdef"; expect_code 405 "DELETE /status"
http POST "$STORAGE_URL/health"; expect_code 405 "POST /health"
http PUT "$STORAGE_URL/query"; expect_code 405 "PUT /query"

note "ids with odd characters"
for id in "q%20x" "q;drop" "..%2F..%2Fetc" "q'1" "q%22" "%C3%A9t%C3%A9" "a/b" "" "q_%00" "q_1%00x"; do
  http GET "$STORAGE_URL/status/$id"; body="$BODY"
  [[ "$HTTP_CODE" == 400 ]] || fail "id '$id': expected 400, got $HTTP_CODE ($body)"
  jq -e '.error | test("invalid question_id")' <<<"$body" >/dev/null || fail "id '$id': $body"
done
long="$(head -c 200 /dev/zero | tr '\0' 'a')"
http GET "$STORAGE_URL/status/$long"; expect_code 400 "200-char id"
http GET "$STORAGE_URL/status/q_0000000000000000"; expect_code 404 "unknown id"
http GET "$STORAGE_URL/metrics?format=xml"; expect_code 400 "metrics format"

note "nothing half-written: only the two valid questions were added (60 KB, and JSON with a charset)"
rows_after="$(psql_q "SELECT (SELECT count(*) FROM questions) || '/' || (SELECT count(*) FROM outbox)")"
[[ "$(psql_q "SELECT count(*) FROM questions WHERE question_text LIKE '%$tag%'")" == 2 ]] \
  || fail "bad requests left rows: $(psql_q "SELECT question_id, left(question_text, 40) FROM questions WHERE question_text LIKE '%$tag%'")"
[[ "$(psql_q "SELECT count(*) FROM outbox o JOIN questions q USING (question_id) WHERE q.question_text LIKE '%$tag%'")" == 2 ]] \
  || fail "bad requests left outbox rows"
note "rows before/after (whole database, other tests may add): $rows_before -> $rows_after"

note "still alive and healthy"
kill -0 "$STORAGE_PID" || fail "qaflow-storage died"
http GET "$STORAGE_URL/health"; expect_code 200 "health after bad input"
echo PASS
