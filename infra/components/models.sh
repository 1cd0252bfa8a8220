# models.sh -- launcher component for the BERTScore model files (setup installs; nothing runs).

# shellcheck source=../models.sh
. "$(dirname "${BASH_SOURCE[0]}")/../models.sh"

# models_start / models_stop: the model is files only, nothing to run.
models_start() { return 0; }
models_stop() { return 0; }

# models_status: prints "up - -" when the model is installed and checksums match, "down - -" otherwise.
models_status() {
    if models_verify "$(models_dir)" quiet; then
        echo "up - -"
    else
        echo "down - -"
    fi
}
