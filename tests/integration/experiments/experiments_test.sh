#!/usr/bin/env bash
# experiments_test.sh: each ./qaflow experiment command in a short mode on a whole stack of its own (LLM stub).
# The stack runs on QAFLOW_TEST_PORT_BASE + 900..917 with its state under $QAFLOW_TEST_VAR/exp-stack and is
# stopped at the end. Checks: every table, CSV and chart is written; the numbers in the tables are the
# measured ones (recomputed here from the raw qaflow-traffic summaries); without faults both modes answer
# everything; under faults every asynchronous question ends in a final state (answered or dead-lettered);
# threshold --apply writes the stated threshold into settings.env.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
# shellcheck source=/dev/null
source "$HERE/lib.sh"
for v in QAFLOW_TEST_PORT_BASE QAFLOW_BIN_DIR QAFLOW_MODEL_DIR QAFLOW_TEST_VAR; do
  [[ -n "${!v:-}" ]] || ex_die "$v is not set: run under ./qaflow test or eval \"\$(./qaflow test-stack env)\""
done
b="$QAFLOW_TEST_PORT_BASE"
export QAFLOW_VAR="$QAFLOW_TEST_VAR/exp-stack"
export QAFLOW_PG_PORT=$((b + 901)) QAFLOW_REDIS_PORT=$((b + 920)) QAFLOW_KAFKA_PORT=$((b + 903))
export QAFLOW_KAFKA_CONTROLLER_PORT=$((b + 904)) QAFLOW_STORAGE_PORT=$((b + 905)) QAFLOW_SCORER_PORT=$((b + 906))
export QAFLOW_FLINK_PORT=$((b + 907)) QAFLOW_FLINK_RPC_PORT=$((b + 908)) QAFLOW_LLMSTUB_PORT=$((b + 909))
export QAFLOW_LLAMA_PORT=$((b + 910)) QAFLOW_LLM_WORKER_METRICS_PORT=$((b + 911))
export QAFLOW_RETRY_OVERLOAD_PORT=$((b + 913)) QAFLOW_RETRY_QUOTA_PORT=$((b + 914))
export QAFLOW_EXPERIMENT_STORAGE_PORT=$((b + 915)) QAFLOW_EXPERIMENT_REDIS_PORT=$((b + 916))
export QAFLOW_CONSOLE_PORT=$((b + 917))   # up starts the console too: never on the default 8080
unset QAFLOW_SCOREJOB_THRESHOLD
OUT="$QAFLOW_VAR/out"
rm -rf "$QAFLOW_VAR"; mkdir -p "$OUT"
Q="$ROOT/qaflow"
cleanup() {
  local rc=$?
  "$Q" down >/dev/null 2>&1 || true
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM INT
"$Q" up --llm stub >"$QAFLOW_VAR/up.log" 2>&1 || { tail -30 "$QAFLOW_VAR/up.log"; ex_die "the stack did not start"; }

# csv_cell FILE ROW_MATCH COLUMN: a cell of a table CSV (first row whose text contains ROW_MATCH).
csv_cell() { python3 -c '
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    if sys.argv[2] in ",".join(r.values()):
        print(r[sys.argv[3]]); break' "$@"; }
pct() { python3 -c "import sys; print('%.1f %%' % (100 * $1 / $2))"; }

"$Q" experiment sync-vs-async --llm stub --rate 2 --seconds 3 --out "$OUT" >"$OUT/sva.log" 2>&1 ||
  { tail -30 "$OUT/sva.log"; ex_die "sync-vs-async failed"; }
R="$OUT/sync-vs-async"
for f in "$OUT/sync-vs-async.md" "$OUT/sync-vs-async.csv"; do check "written: ${f##*/}" "[[ -s '$f' ]]"; done
for run in nofaults-sync nofaults-async faults-sync faults-async; do
  check_eq "$run: 6 questions sent" 6 "$(jq -r .sent "$R/$run.json")"
  check "$run: per-second series written" "[[ \$(awk -F, 'NR>1{s+=\$2} END{print s}' '$R/$run.csv') == 6 ]]"
done
check_eq "without faults, sync answers everything" 6 "$(jq -r .completed "$R/nofaults-sync.json")"
check_eq "without faults, async answers everything" 6 "$(jq -r .completed "$R/nofaults-async.json")"
check_eq "under faults, every async question ends answered or dead-lettered" 6 \
  "$(jq -r '.completed + .failed' "$R/faults-async.json")"
for phase in "without faults" "with LLM faults"; do
  p=nofaults; [[ "$phase" == "with LLM faults" ]] && p=faults
  check_eq "$phase: the table's async success rate is the measured one" \
    "$(pct "$(jq -r .completed "$R/$p-async.json")" 6)" \
    "$(python3 -c '
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    if r["phase"].startswith(sys.argv[2]) and r["metric"] == "success rate": print(r["Tarea 2 (async)"]); break' \
      "$OUT/sync-vs-async.csv" "$phase")"
done

"$Q" experiment cache --llm stub --questions 20 --sends 200 --sizes "10 50" --out "$OUT" >"$OUT/cache.log" 2>&1 ||
  { tail -30 "$OUT/cache.log"; ex_die "cache failed"; }
for f in cache.md cache.csv cache.png cache.svg; do check "written: $f" "[[ -s '$OUT/$f' ]]"; done
for pol in lru lfu; do
  for size in 10 50; do
    j="$OUT/cache/allkeys-$pol-$size.json"
    want="$(pct "$(jq -r .served_from_cache "$j")" "$(jq -r '.served_from_cache + .served_from_database' "$j")")"
    check_eq "cache $pol at $size %: the table's hit rate is the measured one" "$want" \
      "$(python3 -c '
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    if r["cache holds"] == sys.argv[2] + " %": print(r[sys.argv[3].upper() + " hit rate"]); break' \
        "$OUT/cache.csv" "$size" "$pol")"
    check_eq "cache $pol at $size %: every request served" 200 "$(jq -r '.served_from_cache + .served_from_database' "$j")"
  done
done
check "Zipf repeats: fewer distinct questions than requests" \
  "(( \$(jq -r .distinct_questions '$OUT/cache/allkeys-lru-10.json') < 200 ))"

curl -fsS -X DELETE "http://127.0.0.1:$QAFLOW_LLMSTUB_PORT/admin/requests" >/dev/null # only the calibration's prompts
"$Q" experiment threshold --llm stub --questions 4 --apply --out "$OUT" >"$OUT/threshold.log" 2>&1 ||
  { tail -30 "$OUT/threshold.log"; ex_die "threshold failed"; }
for f in threshold.md threshold.csv threshold.png threshold.svg; do check "written: $f" "[[ -s '$OUT/$f' ]]"; done
check_eq "4 questions, 4 scored attempts each" 16 "$(wc -l <"$OUT/threshold/scores.csv")"
check_eq "one row per threshold 0.20..0.95" 16 "$(($(wc -l <"$OUT/threshold.csv") - 1))"
rec="$(cat "$OUT/threshold/recommended")"
check "the rule and the recommendation are on screen" "grep -q 'Recommended threshold: the smallest one.*: $rec' '$OUT/threshold.log'"
check_eq "--apply wrote it into settings.env" "export QAFLOW_SCOREJOB_THRESHOLD=$rec" \
  "$(grep QAFLOW_SCOREJOB_THRESHOLD "$QAFLOW_VAR/settings.env")"
line="$(jq -r .line "$OUT/threshold/calibration.results.jsonl" | head -1)"
title="$(python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
print(rows[int(sys.argv[2]) - 1][1])' "$ROOT/dataset/sample.csv" "$line")"
prompts="$(curl -fsS "http://127.0.0.1:$QAFLOW_LLMSTUB_PORT/admin/requests?match=$(jq -rn --arg m "$title" '$m|@uri')")"
check "the LLM saw the calibration question 4 times" "(( \$(jq '.requests | length' <<<\"\$prompts\") >= 4 ))"
check_eq "... exactly as a user sends it (no tag)" 0 "$(jq '[.requests[].prompt | select(contains("[exp-"))] | length' <<<"$prompts")"
finish
