/* llm_config.h -- the LLM settings (backend, URL, model, prompt, sampling, timeouts) shared by every program that asks the LLM. */
#ifndef QAFLOW_LLM_CONFIG_H
#define QAFLOW_LLM_CONFIG_H

#include <stddef.h>

#include "backend.h"
#include "config.h"

/* The rows of a config table (src/common/config.h) for the LLM; put LLM_CONFIG_ENTRIES inside
 * a program's config_entry array. The same flags and environment variables everywhere, so one
 * environment (the stack's llm.env) configures the LLM worker and the storage's sync mode alike. */
#define LLM_CONFIG_ENTRIES \
    {"backend", "QAFLOW_LLM_BACKEND", NULL, CONFIG_STRING, "ollama", 0, 0, "LLM API: ollama | openai (also openai-chat, openai-completions)"}, \
    {"openai-endpoint", "QAFLOW_LLM_OPENAI_ENDPOINT", NULL, CONFIG_STRING, "completions", 0, 0, "OpenAI-compatible endpoint: completions | chat"}, \
    {"llm-url", "QAFLOW_LLM_URL", NULL, CONFIG_STRING, "", 0, 0, "LLM base URL (ollama: default $OLLAMA_HOST or localhost:11434; openai: default http://127.0.0.1:8090)"}, \
    {"model", "QAFLOW_LLM_MODEL", NULL, CONFIG_STRING, "tinyllama", 0, 0, "model name sent to the LLM"}, \
    {"api-key", "QAFLOW_LLM_API_KEY", NULL, CONFIG_STRING, "", 0, 0, "bearer token for OpenAI-compatible servers (else $OPENAI_API_KEY)"}, \
    {"prompt-template", "QAFLOW_LLM_PROMPT", NULL, CONFIG_STRING, "", 0, 0, "prompt with {question} (\\n escapes); empty: built-in few-shot completion prompt"}, \
    {"stop", "QAFLOW_LLM_STOP", NULL, CONFIG_LIST, NULL, 0, 0, "stop sequence (repeatable, \\n escapes); default with the built-in prompt: \\nQuestion:"}, \
    {"temperature", "QAFLOW_LLM_TEMPERATURE", NULL, CONFIG_DOUBLE, "0.7", 0, 2, "sampling temperature"}, \
    {"regen-temperature", "QAFLOW_LLM_REGEN_TEMPERATURE", NULL, CONFIG_DOUBLE, "-1", -1, 2, "sampling temperature of regenerations (retry_count >= 1); -1: --temperature"}, \
    {"max-tokens", "QAFLOW_LLM_MAX_TOKENS", NULL, CONFIG_INT, "128", 1, 8192, "longest answer in tokens"}, \
    {"timeout-s", "QAFLOW_LLM_TIMEOUT_S", NULL, CONFIG_DOUBLE, "120", 0.1, 3600, "whole LLM request timeout (then: overload)"}, \
    {"connect-timeout-ms", "QAFLOW_LLM_CONNECT_TIMEOUT_MS", NULL, CONFIG_INT, "3000", 1, 600000, "LLM connect timeout"}

/* The LLM settings resolved: defaults filled in, escapes expanded. */
typedef struct llm_config {
    llm_backend_kind kind;
    char *url;               /* full endpoint URL (backend_url) */
    const char *api_key;     /* "" for none */
    const char *model;
    const char *prompt_template; /* "" : the built-in one */
    char **stop;             /* NULL-terminated */
    double temperature;
    double regen_temperature; /* < 0: temperature */
    int max_tokens;
    long timeout_ms, connect_timeout_ms;
} llm_config;

/* The sampling temperature of attempt retry_count + 1: regen_temperature for a regeneration when
 * it is set (>= 0), else temperature. */
static inline double llm_config_temperature(double temperature, double regen_temperature, int retry_count)
{
    return retry_count > 0 && regen_temperature >= 0 ? regen_temperature : temperature;
}

/* Reads the LLM_CONFIG_ENTRIES settings of c. Returns 0, or -1 with err filled (bad backend,
 * bad URL, out of memory). Free with llm_config_free. */
int llm_config_read(const config *c, llm_config *out, char *err, size_t errlen);
void llm_config_free(llm_config *lc);

#endif
