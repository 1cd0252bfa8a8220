#!/usr/bin/env bash
# build.sh -- build llama.cpp's llama-server offline from the source inside PyPI's llama-cpp-python sdist.
# Usage: infra/llama/build.sh [--force]
# Result: $QAFLOW_LLAMA_CACHE/llama-server-<version>/bin/llama-server (default: $QAFLOW_CACHE, ~/.cache/qaflow),
# linked into var/llama/bin/llama-server. Reused when present: the first build takes many minutes
# on a small machine, later runs take a second.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
# shellcheck source=versions.sh
source "$HERE/versions.sh"

CACHE="${QAFLOW_LLAMA_CACHE:-${QAFLOW_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qaflow}}"
VAR="${QAFLOW_VAR:-$ROOT/var}"
JOBS="${QAFLOW_LLAMA_JOBS:-2}"
PREFIX="$CACHE/llama-server-$LLAMA_CPP_PYTHON_VERSION"
FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1

say() { printf '[llama-build] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

link_result() {
  mkdir -p "$VAR/llama/bin"
  ln -sfn "$PREFIX/bin/llama-server" "$VAR/llama/bin/llama-server"
  say "llama-server ready: $VAR/llama/bin/llama-server -> $PREFIX/bin/llama-server"
}

if [[ $FORCE == 0 && -x "$PREFIX/bin/llama-server" ]] && "$PREFIX/bin/llama-server" --version >/dev/null 2>&1; then
  say "cached build found ($PREFIX)"
  link_result
  exit 0
fi

for tool in cmake g++ python3 sha256sum tar; do
  command -v "$tool" >/dev/null || die "$tool is required (apt-get install cmake g++ python3)"
done

mkdir -p "$CACHE/downloads"
SDIST="$CACHE/downloads/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION.tar.gz"
if [[ ! -f "$SDIST" ]] || ! echo "$LLAMA_CPP_PYTHON_SHA256  $SDIST" | sha256sum -c --status; then
  say "downloading llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION sdist from PyPI (about 77 MB)"
  tmpd="$(mktemp -d "$CACHE/downloads/pip.XXXXXX")"
  # pip reads the sdist's metadata, which sets up its build backend (scikit-build-core) from PyPI
  # in a throwaway environment; nothing is compiled by pip.
  python3 -m pip download --no-deps --no-binary :all: \
    "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION" -d "$tmpd" >&2 \
    || die "pip download of llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION failed"
  mv "$tmpd/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION.tar.gz" "$SDIST"
  rm -rf "$tmpd"
fi
echo "$LLAMA_CPP_PYTHON_SHA256  $SDIST" | sha256sum -c --status \
  || die "SHA-256 of $SDIST does not match the pinned $LLAMA_CPP_PYTHON_SHA256"
say "sdist verified (sha256 $LLAMA_CPP_PYTHON_SHA256)"

WORKDIR="$CACHE/llama-build-$LLAMA_CPP_PYTHON_VERSION"
SRC="$WORKDIR/src"
if [[ ! -f "$SRC/CMakeLists.txt" ]]; then
  say "extracting vendor/llama.cpp"
  rm -rf "$WORKDIR"
  mkdir -p "$SRC"
  tar -xzf "$SDIST" -C "$SRC" --strip-components=3 \
    "llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION/vendor/llama.cpp"
fi

# Offline: no web UI (neither npm nor the prebuilt download), no HTTPS/curl, only what the server needs.
say "configuring (cmake, Release, CPU only, native instructions)"
cmake -S "$SRC" -B "$WORKDIR/build" -DCMAKE_BUILD_TYPE=Release \
  -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
  -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON \
  -DLLAMA_BUILD_APP=OFF -DGGML_NATIVE="${QAFLOW_LLAMA_NATIVE:-ON}" -DGGML_CCACHE=OFF \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" >"$WORKDIR/configure.log" 2>&1 \
  || { tail -30 "$WORKDIR/configure.log" >&2; die "cmake configure failed (log: $WORKDIR/configure.log)"; }

say "compiling llama-server with -j$JOBS at low priority (nice 10); this takes a while the first time"
# CMake's Makefile generator prints [ NN%] progress lines: show them as they come.
nice -n 10 cmake --build "$WORKDIR/build" --target llama-server -j "$JOBS" 2>&1 \
  | tee "$WORKDIR/build.log" | grep --line-buffered -E '^\[ *[0-9]+%\]' | sed -u 's/^/[llama-build] /' >&2 || true
[[ -x "$WORKDIR/build/bin/llama-server" ]] || { tail -30 "$WORKDIR/build.log" >&2; die "build failed (log: $WORKDIR/build.log)"; }

mkdir -p "$PREFIX/bin"
cp "$WORKDIR/build/bin/llama-server" "$PREFIX/bin/llama-server.tmp"
mv "$PREFIX/bin/llama-server.tmp" "$PREFIX/bin/llama-server"
"$PREFIX/bin/llama-server" --version >&2 || die "the built llama-server does not run"
link_result
