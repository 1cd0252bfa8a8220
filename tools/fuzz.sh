#!/usr/bin/env bash
# fuzz.sh -- builds the libFuzzer targets (clang, ASan + UBSan) and runs each for N seconds.
#
# Usage: tools/fuzz.sh [-t SECONDS] [-b BUILD_DIR] [TARGET...]
#   TARGETs: tokenizer vocab safetensors bert_config msg csv llm query (default: all).
#   msg: every message codec (round trip); csv: the Yahoo! Answers reader; llm: LLM answer parsers and
#   classification; query: POST /query body validation and the question_id (tests/fuzz/fuzz_pipeline.c).
#   -t  seconds per target (default 60, env FUZZ_SECONDS)
#   -b  build directory (default build-fuzz, env FUZZ_BUILD_DIR)
# Each target starts from tests/fuzz/corpus/<target>/ (read-only) and writes what it finds to
# $BUILD_DIR/corpus/<target>/; crashes go to $BUILD_DIR/artifacts/<target>/. The tokenizer
# target needs the model vocab ($QAFLOW_MODEL_DIR, default var/models/all-MiniLM-L6-v2).
# Exit status: 0 when no target crashed, 1 otherwise. New interesting inputs worth keeping
# can be copied (after minimizing with -merge=1) into tests/fuzz/corpus/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
while getopts "t:b:h" opt; do
    case $opt in
        t) SECONDS_PER_TARGET=$OPTARG ;;
        b) BUILD=$OPTARG ;;
        h) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) exit 2 ;;
    esac
done
shift $((OPTIND - 1))
export QAFLOW_MODEL_DIR=${QAFLOW_MODEL_DIR:-$ROOT/var/models/all-MiniLM-L6-v2}

CC=${CC_FUZZ:-clang}
command -v "$CC" >/dev/null || { echo "fuzz.sh: $CC not found" >&2; exit 2; }
CFLAGS=(-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
        -I"$ROOT/src/bertscore" -I"$ROOT/tests/fuzz" -I"$ROOT/src/common" -I"$ROOT/src/llm")
C=$ROOT/src/common L=$ROOT/src/llm
PIPE_SRC=("$ROOT/tests/fuzz/fuzz_pipeline.c" "$C/msg.c" "$C/json.c" "$C/timeutil.c" "$C/utf8.c" "$C/log.c" "$C/qid.c"
          "$C/yahoo_csv.c" "$L/backend.c" "$L/ollama.c" "$L/openai.c" "$L/classify.c")
TOK_SRC=("$ROOT/src/bertscore/tokenizer.c" "$ROOT/src/bertscore/tokenizer_unicode.c"
         "$ROOT/src/bertscore/tokenizer_vocab.c")
BS=$ROOT/src/bertscore
HAVE_MODEL_PARSERS=0
[ -f "$BS/safetensors.c" ] && [ -f "$BS/bert_config.c" ] && [ -f "$BS/safetensors.h" ] && HAVE_MODEL_PARSERS=1

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(tokenizer vocab)
    [ $HAVE_MODEL_PARSERS = 1 ] && targets+=(safetensors bert_config)
    targets+=(msg csv llm query)
fi

mkdir -p "$BUILD"
build_target() {
    local t=$1 out=$BUILD/fuzz_$1
    case $t in
        tokenizer) "$CC" "${CFLAGS[@]}" -DQAFLOW_FUZZ_TOKENIZER -o "$out" \
                       "$ROOT/tests/fuzz/fuzz_tokenizer.c" "${TOK_SRC[@]}" -lutf8proc ;;
        vocab) "$CC" "${CFLAGS[@]}" -DQAFLOW_FUZZ_VOCAB -o "$out" \
                   "$ROOT/tests/fuzz/fuzz_tokenizer.c" "${TOK_SRC[@]}" -lutf8proc ;;
        safetensors|bert_config)
            [ $HAVE_MODEL_PARSERS = 1 ] || { echo "fuzz.sh: $t: src/bertscore parsers missing" >&2; return 1; }
            local def=QAFLOW_FUZZ_SAFETENSORS
            [ "$t" = bert_config ] && def=QAFLOW_FUZZ_BERT_CONFIG
            "$CC" "${CFLAGS[@]}" -D$def -o "$out" "$ROOT/tests/fuzz/fuzz_model.c" \
                "$BS/safetensors.c" "$BS/bert_config.c" -ljansson -lm ;;
        msg|csv|llm|query)
            local def; def=QAFLOW_FUZZ_$(tr '[:lower:]' '[:upper:]' <<<"$t")
            "$CC" "${CFLAGS[@]}" -D"$def" -o "$out" "${PIPE_SRC[@]}" -ljansson -lutf8proc -lcrypto -lm ;;
        *) echo "fuzz.sh: unknown target $t" >&2; return 1 ;;
    esac
}

max_len_for() {
    case $1 in safetensors) echo 65536 ;; *) echo 4096 ;; esac
}

status=0
summary=()
for t in "${targets[@]}"; do
    echo "== building fuzz_$t"
    build_target "$t"
    mkdir -p "$BUILD/corpus/$t" "$BUILD/artifacts/$t"
    log=$BUILD/fuzz_$t.log
    echo "== running fuzz_$t for ${SECONDS_PER_TARGET}s (log $log)"
    set +e
    "$BUILD/fuzz_$t" -max_total_time="$SECONDS_PER_TARGET" -max_len="$(max_len_for "$t")" \
        -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$BUILD/artifacts/$t/" \
        "$BUILD/corpus/$t" "$ROOT/tests/fuzz/corpus/$t" >"$log" 2>&1
    rc=$?
    set -e
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
    crashes=$(ls "$BUILD/artifacts/$t" 2>/dev/null | wc -l)
    if [ $rc -ne 0 ]; then
        status=1
        echo "!! fuzz_$t exited $rc; tail of $log:"
        tail -n 30 "$log"
    fi
    summary+=("$t: ${SECONDS_PER_TARGET}s, $runs executions, coverage $cov edges, exit $rc, $crashes artifacts")
done
echo "== summary"
printf '%s\n' "${summary[@]}"
exit $status
