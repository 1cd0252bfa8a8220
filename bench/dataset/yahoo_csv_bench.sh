#!/bin/sh
# yahoo_csv_bench.sh -- reader throughput on a synthetic 1.4 M-row Yahoo! Answers CSV (or a file you give, e.g. dataset/train.csv).
# usage: bench/dataset/yahoo_csv_bench.sh [BUILD_DIR] [FILE.csv]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
file=${2:-}
bin=$(find "$build" -name yahoo_csv_bench -type f -perm -u+x | head -n 1)
[ -n "$bin" ] || { echo "yahoo_csv_bench not built in $build" >&2; exit 1; }
if [ -z "$file" ]; then
  file=${TMPDIR:-/tmp}/qaflow-synthetic-yahoo-1.4M.csv
  [ -s "$file" ] || { echo "generating $file (1.4 M rows)..." >&2; python3 "$root/bench/dataset/make_synthetic_yahoo.py" "$file"; }
fi
echo "file: $file ($(wc -c < "$file") bytes, $(wc -l < "$file") lines)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
for i in 1 2 3; do "$bin" "$file"; done
