#!/usr/bin/env bash
# tests/integration/report/demo_args.sh: ./qaflow demo --scenario and ./qaflow report refuse bad arguments with a
# clear message before starting or writing anything.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
VAR="$(mktemp -d)"
trap 'rm -rf "$VAR"' EXIT
export QAFLOW_VAR="$VAR/var"

# refused ARGS... -- MESSAGE: the launcher exits non-zero, says MESSAGE, and created nothing under QAFLOW_VAR.
refused() {
  local -a args=()
  while [[ "$1" != -- ]]; do args+=("$1"); shift; done
  local want="$2" out
  if out="$("$ROOT/qaflow" "${args[@]}" 2>&1)"; then
    echo "FAIL ./qaflow ${args[*]} was accepted" >&2; exit 1
  fi
  grep -qF -- "$want" <<<"$out" || { echo "FAIL ./qaflow ${args[*]}: '$out' does not say '$want'" >&2; exit 1; }
  [[ ! -e "$QAFLOW_VAR/run" && ! -e "$QAFLOW_VAR/log" ]] || { echo "FAIL ./qaflow ${args[*]} started something" >&2; exit 1; }
  echo "ok  ./qaflow ${args[*]}: $want"
}
refused demo --scenario bogus -- "--scenario must be one of normal|errors|regeneration|all"
refused demo --scenario errors --quota-delay soon -- "--quota-delay must be a number of seconds"
refused demo --scenario -- "--scenario needs a name"
refused demo --frobnicate -- "unknown argument '--frobnicate'"
refused report --bogus -- "report: unknown argument '--bogus'"
echo PASS demo_args
