/* llm_config.c -- the LLM settings (backend, URL, model, prompt, sampling, timeouts) shared by every program that asks the LLM. */
#include "llm_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Expands \n, \t, \\ in a setting value; malloc'd. */
static char *llm_config_unescape(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;
    if (!out)
        return NULL;
    for (; *s; s++) {
        if (*s == '\\' && (s[1] == 'n' || s[1] == 't' || s[1] == '\\')) {
            *o++ = s[1] == 'n' ? '\n' : s[1] == 't' ? '\t' : '\\';
            s++;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

void llm_config_free(llm_config *lc)
{
    if (!lc)
        return;
    for (size_t i = 0; lc->stop && lc->stop[i]; i++)
        free(lc->stop[i]);
    free(lc->stop);
    free(lc->url);
    memset(lc, 0, sizeof *lc);
}

int llm_config_read(const config *c, llm_config *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (backend_parse_kind(config_get_string(c, "backend"), config_get_string(c, "openai-endpoint"), &out->kind,
                           err, errlen) != 0)
        return -1;
    const char *base = config_get_string(c, "llm-url");
    if (!base || !*base) {
        const char *oh = getenv("OLLAMA_HOST");
        base = out->kind == LLM_BACKEND_OLLAMA ? (oh && *oh ? oh : "localhost:11434") : "http://127.0.0.1:8090";
    }
    if (!(out->url = backend_url(out->kind, base, err, errlen)))
        return -1;
    out->api_key = config_get_string(c, "api-key");
    if ((!out->api_key || !*out->api_key) && getenv("OPENAI_API_KEY"))
        out->api_key = getenv("OPENAI_API_KEY");
    if (!out->api_key)
        out->api_key = "";
    out->model = config_get_string(c, "model");
    out->prompt_template = config_get_string(c, "prompt-template");
    if (!out->prompt_template)
        out->prompt_template = "";
    const char *const *stops = NULL;
    size_t n = config_get_list(c, "stop", &stops);
    out->stop = calloc(n + 2, sizeof *out->stop);
    if (!out->stop)
        goto oom;
    for (size_t i = 0; i < n; i++)
        if (!(out->stop[i] = llm_config_unescape(stops[i])))
            goto oom;
    if (n == 0 && !*out->prompt_template && !(out->stop[0] = strdup("\nQuestion:")))
        goto oom;
    out->temperature = config_get_double(c, "temperature");
    out->regen_temperature = config_get_double(c, "regen-temperature");
    out->max_tokens = (int)config_get_int(c, "max-tokens");
    out->timeout_ms = (long)(config_get_double(c, "timeout-s") * 1000);
    out->connect_timeout_ms = (long)config_get_int(c, "connect-timeout-ms");
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    llm_config_free(out);
    return -1;
}
