#!/usr/bin/env bash
# print_prompt_test.sh -- qaflow-llm-worker --print-prompt prints the prompt the LLM gets (what bench/llama/bench.py
# sends): the built-in few-shot template with the question in place, or --prompt-template's; a bad template exits 2.
set -euo pipefail
BIN=${1:?usage: print_prompt_test.sh QAFLOW_LLM_WORKER}
fail() { echo "FAIL: $*" >&2; exit 1; }
q='Why is the sky blue? <ünïcode> & "quotes"'
out="$("$BIN" --print-prompt "$q" 2>/dev/null)"
[[ "$out" == *$'\n\nQuestion: '"$q"$'\nAnswer:' ]] || fail "default template: prompt does not end with the question: $out"
[[ "$out" == "Answer each question"* ]] || fail "default template: unexpected start: ${out:0:60}"
[[ $(grep -c '^Question: ' <<<"$out") -eq 4 ]] || fail "default template: expected 3 examples + the question"
out="$("$BIN" --print-prompt "$q" --prompt-template 'Q: {question}\nA:' 2>/dev/null)"
[[ "$out" == "Q: $q"$'\nA:' ]] || fail "--prompt-template: got: $out"
set +e
"$BIN" --print-prompt x --prompt-template 'no placeholder' >/dev/null 2>&1; rc=$?
set -e
[[ $rc == 2 ]] || fail "a template without {question}: exit $rc, expected 2"
echo "ok"
