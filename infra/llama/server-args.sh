# server-args.sh -- llama-server's settings for qaflow: defaults from the machine's cores and the command line
# (sourced by infra/components/llm.sh, which starts it, and bench/llama/run.sh, which measures it).
#
# Threads: one per core (`nproc`). Slots (requests decoded together in one batch): 4 per thread,
# at most 16: a decode step reads every weight once whatever the number of slots, so more slots
# turn the memory-bound one-token steps into compute-bound batched ones (docs/performance.md).
# Context: LLAMA_CTX_PER_SLOT tokens per slot (the few-shot prompt is ~120 tokens, an answer at most
# the worker's max_tokens, 128). Prompt prefix reuse: --cache-prompt keeps each slot's last prompt
# in its KV cache and a new request goes to the slot whose cached prompt it shares most with
# (--slot-prompt-similarity), so the few-shot prefix that every request starts with is not
# computed again; only the question and the answer are. Gemma 3 uses sliding-window attention
# in 5 of 6 layers, and llama.cpp keeps only the window's KV there unless --swa-full: without
# it every request re-processed its whole prompt (timings.cache_n was 0); with it ~108 of the
# ~117 prompt tokens come from the cache. With 512 tokens per slot (under the 512-token
# window) the full SWA cache costs no extra memory.

LLAMA_CTX_PER_SLOT=512
LLAMA_SLOTS_PER_THREAD=4
LLAMA_MAX_SLOTS=16

llama_default_threads() { nproc 2>/dev/null || echo 1; }

# llama_default_parallel [THREADS]: slots for THREADS threads (default: llama_default_threads).
llama_default_parallel() {
  local t="${1:-$(llama_default_threads)}" s
  s=$((t * LLAMA_SLOTS_PER_THREAD))
  ((s > LLAMA_MAX_SLOTS)) && s=$LLAMA_MAX_SLOTS
  ((s < 1)) && s=1
  echo "$s"
}

# llama_server_args MODEL ALIAS PORT THREADS PARALLEL [CTX [EXTRA...]]: sets the array LLAMA_ARGS to
# llama-server's arguments (CTX empty or absent: LLAMA_CTX_PER_SLOT x PARALLEL).
llama_server_args() {
  local model="$1" alias="$2" port="$3" threads="$4" parallel="$5" ctx="${6:-}"
  shift 5; (($#)) && shift
  [[ -n "$ctx" ]] || ctx=$((LLAMA_CTX_PER_SLOT * parallel))
  LLAMA_ARGS=(--model "$model" --alias "$alias" --host 127.0.0.1 --port "$port"
    --threads "$threads" --threads-batch "$threads" --parallel "$parallel" --ctx-size "$ctx"
    --cont-batching --cache-prompt --swa-full --metrics "$@")
}
