# infra/components/llm.sh: the LLM the workers talk to -- Ollama, embedded llama.cpp, the stub, or the stub as chaos proxy.
#
# Mode: QAFLOW_LLM (set by `./qaflow up --llm MODE`): auto (default) | ollama | llama | stub | chaos.
#   auto   Ollama when $OLLAMA_HOST (default localhost:11434) answers and lists the model, else llama.
#   ollama an Ollama server you run; nothing is started.            backend ollama, model $QAFLOW_OLLAMA_MODEL
#   llama  llama.cpp's llama-server (built by infra/llama/build.sh) serving Gemma 3 270M on
#          127.0.0.1:$QAFLOW_LLAMA_PORT.                             backend openai (/v1/completions)
#   stub   qaflow-llm-stub on 127.0.0.1:$QAFLOW_LLMSTUB_PORT.         backend ollama, model tinyllama
#   chaos  qaflow-llm-stub --upstream <the real LLM of auto mode>, injecting faults in front of it.
#   openai any OpenAI-compatible server you run (vLLM, LM Studio, a remote llama-server): nothing is
#          started; give QAFLOW_OPENAI_URL (base URL) and QAFLOW_OPENAI_MODEL (QAFLOW_LLM_API_KEY if needed).
# llm_start exports QAFLOW_LLM_BACKEND, QAFLOW_LLM_URL, QAFLOW_LLM_MODEL (and QAFLOW_LLM_OPENAI_ENDPOINT)
# and writes them to $QAFLOW_VAR/run/llm.env for the components that start later (llm-worker).
# Processes: "llm" is the one the workers call (stub or llama-server); "llm-upstream" is the
# llama-server behind the chaos proxy. Logs: $QAFLOW_VAR/log/llm.log, llm-upstream.log.

: "${QAFLOW_LLM:=auto}"
: "${QAFLOW_OLLAMA_MODEL:=tinyllama}"
: "${QAFLOW_LLAMA_PORT:=8090}"
: "${QAFLOW_LLMSTUB_PORT:=11435}"
# llama-server: QAFLOW_LLAMA_THREADS (default: one per core), QAFLOW_LLAMA_PARALLEL (slots; default
# 4 per thread, at most 16), QAFLOW_LLAMA_CTX (default 512 tokens per slot); the rules and the
# command line are in infra/llama/server-args.sh. The slots are published to the workers as
# QAFLOW_LLM_SLOTS, so their request concurrency matches them (infra/components/llm-worker.sh).
: "${QAFLOW_LLAMA_THREADS:=}"
: "${QAFLOW_LLAMA_CTX:=}"
: "${QAFLOW_LLAMA_PARALLEL:=}"

llmc_dir() { printf '%s/infra/llama' "$QAFLOW_ROOT"; }
llmc_env_file() { printf '%s/run/llm.env' "$QAFLOW_VAR"; }

# llmc_ollama_url: $OLLAMA_HOST as a base URL (scheme and default port added).
llmc_ollama_url() {
  local h="${OLLAMA_HOST:-localhost:11434}"
  [[ "$h" == http://* || "$h" == https://* ]] || h="http://$h"
  h="${h%/}"
  [[ "${h#*://}" == *:* ]] || h="$h:11434"
  printf '%s' "$h"
}

# llmc_ollama_has_model: Ollama answers GET /api/tags and lists $QAFLOW_OLLAMA_MODEL (with or without a tag).
llmc_ollama_has_model() {
  local tags
  tags="$(curl -fsS --max-time 3 "$(llmc_ollama_url)/api/tags" 2>/dev/null)" || return 1
  jq -e --arg m "$QAFLOW_OLLAMA_MODEL" \
    '[.models[]? | .name // .model] | any(. == $m or . == ($m + ":latest") or startswith($m + ":"))' \
    <<<"$tags" >/dev/null 2>&1
}

# llmc_mode: the resolved mode (auto becomes the LLM the stack already runs, else ollama or llama);
# chaos's upstream is llmc_real_mode.
llmc_real_mode() { if llmc_ollama_has_model; then echo ollama; else echo llama; fi; }
llmc_running_mode() { local f; f="$(llmc_env_file)"; [[ -f "$f" ]] && (QAFLOW_LLM_MODE=""; source "$f"; printf '%s' "$QAFLOW_LLM_MODE"); }
llmc_mode() {
  local running
  case "$QAFLOW_LLM" in
    auto | "") if running="$(llmc_running_mode)" && [[ -n "$running" ]]; then echo "$running"; else llmc_real_mode; fi ;;
    ollama | llama | stub | chaos | openai) echo "$QAFLOW_LLM" ;;
    *) qf_die "QAFLOW_LLM must be auto, ollama, llama, stub, chaos or openai (got '$QAFLOW_LLM')" ;;
  esac
}

llmc_model_name() { source "$(llmc_dir)/versions.sh"; printf '%s' "$GEMMA_MODEL_NAME"; }

# llmc_prepare_llama: build llama-server and assemble the model (both cached; fast when done).
llmc_prepare_llama() {
  QAFLOW_LLAMA_JOBS="${QAFLOW_JOBS:-2}" "$(llmc_dir)/build.sh" || qf_die "llama-server build failed"
  "$(llmc_dir)/model.sh" >/dev/null || qf_die "Gemma model assembly failed"
}

llm_setup() {
  local mode; mode="$(llmc_mode)"
  case "$mode" in
    llama) llmc_prepare_llama ;;
    chaos) [[ "$(llmc_real_mode)" == llama ]] && llmc_prepare_llama ;;
    ollama) qf_info "llm: using Ollama at $(llmc_ollama_url) (model $QAFLOW_OLLAMA_MODEL): nothing to build" ;;
    stub) qf_info "llm: qaflow-llm-stub is built with the C tree" ;;
    openai) qf_info "llm: using the OpenAI-compatible server at ${QAFLOW_OPENAI_URL:-(QAFLOW_OPENAI_URL unset)}" ;;
  esac
  return 0
}

# llmc_llama_settings: resolves the threads and slots (defaults from the cores) into LLMC_THREADS, LLMC_SLOTS.
llmc_llama_settings() {
  # shellcheck source=../llama/server-args.sh
  source "$(llmc_dir)/server-args.sh"
  LLMC_THREADS="${QAFLOW_LLAMA_THREADS:-$(llama_default_threads)}"
  LLMC_SLOTS="${QAFLOW_LLAMA_PARALLEL:-$(llama_default_parallel "$LLMC_THREADS")}"
  [[ "$LLMC_THREADS" =~ ^[1-9][0-9]*$ ]] || qf_die "QAFLOW_LLAMA_THREADS must be a positive integer (got '$LLMC_THREADS')"
  [[ "$LLMC_SLOTS" =~ ^[1-9][0-9]*$ ]] || qf_die "QAFLOW_LLAMA_PARALLEL must be a positive integer (got '$LLMC_SLOTS')"
  [[ -z "$QAFLOW_LLAMA_CTX" || "$QAFLOW_LLAMA_CTX" =~ ^[1-9][0-9]*$ ]] || qf_die "QAFLOW_LLAMA_CTX must be a positive integer"
}

# llmc_start_llama NAME PORT: llama-server with Gemma 3 270M on 127.0.0.1:PORT, pid/log under NAME.
llmc_start_llama() {
  local name="$1" port="$2"
  llmc_prepare_llama
  llmc_llama_settings
  local bin="$QAFLOW_VAR/llama/bin/llama-server"
  local model; model="$("$(llmc_dir)/model.sh")"
  if ! qf_pid "$name" >/dev/null; then
    qf_port_open "$port" && qf_die "port $port is already taken (set QAFLOW_LLAMA_PORT)"
    llama_server_args "$model" "$(llmc_model_name)" "$port" "$LLMC_THREADS" "$LLMC_SLOTS" "$QAFLOW_LLAMA_CTX"
    qf_info "starting llama-server ($(llmc_model_name)) on 127.0.0.1:$port: $LLMC_THREADS threads, $LLMC_SLOTS slots"
    qf_spawn "$name" "$bin" "${LLAMA_ARGS[@]}"
  fi
  qf_wait_service "$name" "llama-server /health" "$QAFLOW_START_TIMEOUT" \
    qf_http_ok "http://127.0.0.1:$port/health" || qf_die "llama-server did not become ready"
}

# llmc_start_stub NAME PORT [ARGS...]: qaflow-llm-stub on 127.0.0.1:PORT.
llmc_start_stub() {
  local name="$1" port="$2"; shift 2
  local bin="$QAFLOW_BIN_DIR/qaflow-llm-stub"
  [[ -x "$bin" ]] || qf_die "qaflow-llm-stub not built ($bin): run ./qaflow build"
  if ! qf_pid "$name" >/dev/null; then
    qf_port_open "$port" && qf_die "port $port is already taken (set QAFLOW_LLMSTUB_PORT)"
    qf_info "starting qaflow-llm-stub on 127.0.0.1:$port $*"
    qf_spawn "$name" "$bin" --port "$port" "$@"
  fi
  qf_wait_service "$name" "qaflow-llm-stub /health" "$QAFLOW_START_TIMEOUT" \
    qf_http_ok "http://127.0.0.1:$port/health" || qf_die "qaflow-llm-stub did not become ready"
}

# llmc_publish MODE BACKEND URL MODEL [SLOTS]: export the worker's settings and write them to llm.env.
# SLOTS: requests the LLM server decodes at once (llama-server's slots), when qaflow started it.
llmc_publish() {
  export QAFLOW_LLM_MODE="$1" QAFLOW_LLM_BACKEND="$2" QAFLOW_LLM_URL="$3" QAFLOW_LLM_MODEL="$4"
  export QAFLOW_LLM_OPENAI_ENDPOINT=completions QAFLOW_LLM_SLOTS="${5:-}"
  qf_dirs
  {
    echo "# written by infra/components/llm.sh (llm_start): the LLM the workers use"
    printf 'export QAFLOW_LLM_MODE=%q\n' "$1"
    printf 'export QAFLOW_LLM_BACKEND=%q\n' "$2"
    printf 'export QAFLOW_LLM_URL=%q\n' "$3"
    printf 'export QAFLOW_LLM_MODEL=%q\n' "$4"
    printf 'export QAFLOW_LLM_OPENAI_ENDPOINT=%q\n' completions
    printf 'export QAFLOW_LLM_SLOTS=%q\n' "${5:-}"
  } >"$(llmc_env_file)"
  qf_info "llm: mode=$1 backend=$2 url=$3 model=$4${5:+ slots=$5} (settings in $(llmc_env_file))"
}

llm_start() {
  local mode; mode="$(llmc_mode)"
  case "$mode" in
    ollama)
      llmc_ollama_has_model || qf_die "Ollama at $(llmc_ollama_url) does not answer or lacks model $QAFLOW_OLLAMA_MODEL (ollama pull $QAFLOW_OLLAMA_MODEL)"
      llmc_publish ollama ollama "$(llmc_ollama_url)" "$QAFLOW_OLLAMA_MODEL" ;;
    llama)
      llmc_start_llama llm "$QAFLOW_LLAMA_PORT"
      llmc_publish llama openai "http://127.0.0.1:$QAFLOW_LLAMA_PORT" "$(llmc_model_name)" "$LLMC_SLOTS" ;;
    stub)
      llmc_start_stub llm "$QAFLOW_LLMSTUB_PORT" --model "$QAFLOW_OLLAMA_MODEL"
      llmc_publish stub ollama "http://127.0.0.1:$QAFLOW_LLMSTUB_PORT" "$QAFLOW_OLLAMA_MODEL" ;;
    openai)
      [[ -n "${QAFLOW_OPENAI_URL:-}" ]] || qf_die "QAFLOW_LLM=openai needs QAFLOW_OPENAI_URL (e.g. http://127.0.0.1:8000) and QAFLOW_OPENAI_MODEL"
      curl -fsS --max-time 5 -o /dev/null ${QAFLOW_LLM_API_KEY:+-H "Authorization: Bearer $QAFLOW_LLM_API_KEY"} \
        "${QAFLOW_OPENAI_URL%/}/v1/models" || qf_warn "llm: ${QAFLOW_OPENAI_URL%/}/v1/models does not answer"
      llmc_publish openai openai "${QAFLOW_OPENAI_URL%/}" "${QAFLOW_OPENAI_MODEL:-default}" ;;
    chaos)
      if [[ "$(llmc_real_mode)" == ollama ]]; then
        llmc_start_stub llm "$QAFLOW_LLMSTUB_PORT" --upstream "$(llmc_ollama_url)" --model "$QAFLOW_OLLAMA_MODEL"
        llmc_publish chaos ollama "http://127.0.0.1:$QAFLOW_LLMSTUB_PORT" "$QAFLOW_OLLAMA_MODEL"
      else
        llmc_start_llama llm-upstream "$QAFLOW_LLAMA_PORT"
        llmc_start_stub llm "$QAFLOW_LLMSTUB_PORT" --upstream "http://127.0.0.1:$QAFLOW_LLAMA_PORT" \
          --model "$(llmc_model_name)"
        llmc_publish chaos openai "http://127.0.0.1:$QAFLOW_LLMSTUB_PORT" "$(llmc_model_name)" "$LLMC_SLOTS"
      fi
      qf_info "llm: chaos proxy up; set faults with: curl -X POST 127.0.0.1:$QAFLOW_LLMSTUB_PORT/admin/config -d '{\"rate_503\":0.2}'" ;;
  esac
}

# llm_switch: `./qaflow up --llm MODE` on a stack that runs another LLM switches it: the LLM and the
# processes that were started with its address (the workers, storage's sync mode) are stopped here, and
# the `up` that follows starts them again with the new one. Without --llm nothing changes.
llm_switch() {
  [[ "${QAFLOW_LLM_EXPLICIT:-}" == 1 ]] || return 0
  local running wanted c
  running="$(llmc_running_mode)" || return 0
  wanted="$(llmc_mode)"
  [[ -n "$running" && "$running" != "$wanted" ]] || return 0
  qf_info "switching the LLM from $running to $wanted: stopping what uses it"
  for c in llm-worker storage; do qf_has_fn "${c}_stop" && "${c}_stop"; done
  llm_stop
}

llm_stop() {
  qf_stop llm 30
  qf_stop llm-upstream 30
  rm -f "$(llmc_env_file)"
}

# llm_status: one line per process: `up|down port pid mode=... backend=... url=... model=...`.
llm_status() {
  local f; f="$(llmc_env_file)"
  if [[ ! -f "$f" ]]; then
    printf 'down - - mode=%s\n' "$QAFLOW_LLM"
    return 0
  fi
  local QAFLOW_LLM_MODE QAFLOW_LLM_BACKEND QAFLOW_LLM_URL QAFLOW_LLM_MODEL QAFLOW_LLM_OPENAI_ENDPOINT QAFLOW_LLM_SLOTS
  # shellcheck source=/dev/null
  source "$f"
  local detail="mode=$QAFLOW_LLM_MODE backend=$QAFLOW_LLM_BACKEND url=$QAFLOW_LLM_URL model=$QAFLOW_LLM_MODEL${QAFLOW_LLM_SLOTS:+ slots=$QAFLOW_LLM_SLOTS}"
  local port="${QAFLOW_LLM_URL##*:}"
  if [[ "$QAFLOW_LLM_MODE" == openai ]]; then
    printf 'up %s - %s (external)\n' "$port" "$detail"
    return 0
  fi
  if [[ "$QAFLOW_LLM_MODE" == ollama ]]; then
    if llmc_ollama_has_model; then printf 'up %s - %s (external)\n' "$port" "$detail"
    else printf 'down %s - %s (external, not answering)\n' "$port" "$detail"; fi
    return 0
  fi
  printf '%s %s\n' "$(qf_status_line llm "$port")" "$detail"
  if qf_pid llm-upstream >/dev/null || [[ "$QAFLOW_LLM_MODE" == chaos && "$QAFLOW_LLM_BACKEND" == openai ]]; then
    printf '%s upstream=llama-server\n' "$(qf_status_line llm-upstream "$QAFLOW_LLAMA_PORT")"
  fi
}
