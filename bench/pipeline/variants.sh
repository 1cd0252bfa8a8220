#!/usr/bin/env bash
# bench/pipeline/variants.sh: LLM calls per question and final score for worker-setting variants, same questions, one table.
#
# usage: ./qaflow up --llm llama && bench/pipeline/variants.sh [N] [LABEL=ASSIGNMENTS ...]
#   N: questions per variant (default 24); each variant asks the same N questions of dataset/sample.csv
#   (under its own tag, so they are new questions with the same references).
#   LABEL=ASSIGNMENTS: worker environment for that variant, assignments separated by commas, e.g.
#     t0.7=QAFLOW_LLM_TEMPERATURE=0.7   t0.3=QAFLOW_LLM_TEMPERATURE=0.3   t1.0=QAFLOW_LLM_TEMPERATURE=1.0
#   (default: those three). Any qaflow-llm-worker setting works (QAFLOW_LLM_PROMPT for another prompt
#   template, QAFLOW_LLM_MAX_TOKENS, ...); the worker already uses a different seed for every attempt.
# For each variant the LLM workers are restarted with its environment (./qaflow down/up llm-worker),
# then bench/pipeline/run_llm.sh runs the pipeline phase (SKIP_ALONE=1); the table gives LLM calls
# (scored answers) per question, the attempts distribution, the average final score, how many were
# accepted below the threshold after the last regeneration, questions/s and the load. At the end the
# workers are restarted with the environment this script was started with.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"
N="${1:-24}"
(($#)) && shift
VARIANTS=("$@")
((${#VARIANTS[@]})) || VARIANTS=(t0.7=QAFLOW_LLM_TEMPERATURE=0.7 t0.3=QAFLOW_LLM_TEMPERATURE=0.3 t1.0=QAFLOW_LLM_TEMPERATURE=1.0)
TABLE="$(mktemp "${TMPDIR:-/tmp}/variants.XXXXXX")"
trap 'rm -f "$TABLE"; ./qaflow down llm-worker >/dev/null 2>&1; ./qaflow up llm-worker >/dev/null 2>&1 || true' EXIT

for v in "${VARIANTS[@]}"; do
  label="${v%%=*}" assigns="${v#*=}"
  [[ "$label" != "$v" && -n "$assigns" ]] || { echo "bad variant '$v' (LABEL=VAR=VALUE[,VAR=VALUE...])" >&2; exit 2; }
  IFS=, read -r -a envs <<<"$assigns"
  echo "== variant $label: ${envs[*]}" >&2
  ./qaflow down llm-worker >/dev/null
  env "${envs[@]}" ./qaflow up llm-worker >/dev/null
  line="$(SKIP_ALONE=1 "$HERE/run_llm.sh" "$N" | tail -n 1)"
  echo "$line" >&2
  echo "$label|${envs[*]}|$line" >>"$TABLE"
done

python3 - "$TABLE" <<'PY'
import shlex, sys
print("| variant | worker settings | questions | LLM calls per question | average final score | accepted below threshold | questions/s | load (1/5/15 min) |")
print("|---|---|---|---|---|---|---|---|")
for row in open(sys.argv[1]):
    label, envs, line = row.rstrip("\n").split("|", 2)
    kv = dict(t.split("=", 1) for t in shlex.split(line)[1:] if "=" in t)
    print(f"| {label} | `{envs}` | {kv['questions']} | {kv['attempts_per_question']} | {kv['avg_score']} | "
          f"{kv['accepted_below_threshold']} | {kv['pipeline_questions_per_s']} | {kv['load']} |")
PY
