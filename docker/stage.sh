#!/usr/bin/env bash
# docker/stage.sh: puts what the images are built from into docker/stage/ -- the launcher's Maven jars, the ScoreJob jar, the models -- fetching what is missing the launcher's way.
#
# Usage: docker/stage.sh [--llama]
#   docker/stage/jvm/      context of docker/Dockerfile.jvm: jars/kafka-<v>/libs and jars/flink-<v>/lib (the
#                          launcher's cache, from infra/kafka/pom.xml and infra/flink/pom.xml), the ScoreJob
#                          jar and the launcher's scripts under qaflow/
#   docker/stage/models/   the BERTScore model (infra/models.sh), copied by docker/Dockerfile.services (which
#                          also copies src/console/node_modules/uplot, installed here by the console's setup)
#   docker/stage/llama/    (--llama) context of docker/Dockerfile.llama: llama-server (infra/llama/build.sh,
#                          a long build the first time) and Gemma 3 270M (infra/llama/model.sh)
# Files are copied only when they changed (cp -u), so the image layers stay cached.
set -euo pipefail

QAFLOW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export QAFLOW_ROOT
for f in "$QAFLOW_ROOT"/infra/lib/*.sh; do
  # shellcheck source=/dev/null
  source "$f"
done
unset f
qf_config_defaults
qf_load_components

LLAMA=0
[[ "${1:-}" == --llama ]] && LLAMA=1
STAGE="$QAFLOW_ROOT/docker/stage"

# stage_sync SRC DEST: copy into DEST (created), keeping times, only what is newer; remove what SRC no longer has.
stage_sync() {
  local src="$1" dest="$2"
  mkdir -p "$dest"
  cp -a -u "$src/." "$dest/"
  local f
  while IFS= read -r f; do
    [[ -e "$src/$f" ]] || rm -rf "${dest:?}/$f"
  done < <(cd "$dest" && find . -mindepth 1 -maxdepth 1 -printf '%P\n')
}

# stage_files DEST PATH...: copy repository files (relative paths) into DEST keeping their layout.
stage_files() {
  local dest="$1" p; shift
  for p in "$@"; do
    mkdir -p "$dest/$(dirname "$p")"
    cp -a -u "$QAFLOW_ROOT/$p" "$dest/$p"
  done
}

# The jars and the ScoreJob: the launcher's own setup steps, which do nothing when the cache is complete.
kafka_setup
job="$(flink_job_jar)"
if [[ ! -f "$(flink_libs)/.complete" || ! -f "$job" ]] || [[ -n "$(find "$QAFLOW_ROOT/flink/src" "$QAFLOW_ROOT/flink/pom.xml" -newer "$job" -print -quit)" ]]; then
  flink_setup
fi
models_setup
console_setup # the console's chart library (npm), copied into the services image

jvm="$STAGE/jvm"
qf_info "staging the Kafka and Flink jars and the ScoreJob into $jvm"
stage_sync "$(kafka_libs)" "$jvm/jars/kafka-$(kafka_version)/libs"
stage_sync "$(flink_libs)" "$jvm/jars/flink-$(flink_version)/lib"
stage_files "$jvm/qaflow" infra/lib/common.sh infra/lib/config.sh infra/components/kafka.sh infra/components/flink.sh \
  infra/kafka/pom.xml infra/kafka/log4j2.properties infra/kafka/topics.txt infra/flink/pom.xml infra/flink/log4j.properties \
  docker/entrypoint.sh "${job#"$QAFLOW_ROOT"/}"

qf_info "staging the BERTScore model into $STAGE/models"
stage_sync "$(models_dir)" "$STAGE/models/$MODELS_NAME"

if ((LLAMA)); then
  llmc_prepare_llama
  # shellcheck source=../infra/llama/versions.sh
  source "$QAFLOW_ROOT/infra/llama/versions.sh"
  llama="$STAGE/llama"
  qf_info "staging llama-server and $GEMMA_GGUF_NAME into $llama"
  mkdir -p "$llama/model" "$llama/qaflow/bin"
  cp -u -L "$QAFLOW_VAR/llama/bin/llama-server" "$llama/qaflow/bin/llama-server"
  cp -u -L "$("$QAFLOW_ROOT/infra/llama/model.sh")" "$llama/model/$GEMMA_GGUF_NAME"
  stage_files "$llama/qaflow" infra/lib/common.sh infra/lib/config.sh infra/llama/versions.sh infra/llama/server-args.sh \
    docker/entrypoint.sh
fi
qf_info "staged: $(du -sh "$STAGE" | cut -f1) in $STAGE"
