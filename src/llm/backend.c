/* backend.c -- picks the LLM API and builds its URL; dispatches to ollama.c / openai.c. */
#include "backend.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "utf8.h"

int backend_parse_kind(const char *name, const char *endpoint, llm_backend_kind *out,
                       char *err, size_t errlen)
{
    int chat = endpoint && strcasecmp(endpoint, "chat") == 0;
    if (endpoint && *endpoint && !chat && strcasecmp(endpoint, "completions") != 0) {
        snprintf(err, errlen, "unknown OpenAI endpoint '%s' (completions|chat)", endpoint);
        return -1;
    }
    if (!name || strcasecmp(name, "ollama") == 0)
        *out = LLM_BACKEND_OLLAMA;
    else if (strcasecmp(name, "openai") == 0)
        *out = chat ? LLM_BACKEND_OPENAI_CHAT : LLM_BACKEND_OPENAI_COMPLETIONS;
    else if (strcasecmp(name, "openai-chat") == 0)
        *out = LLM_BACKEND_OPENAI_CHAT;
    else if (strcasecmp(name, "openai-completions") == 0)
        *out = LLM_BACKEND_OPENAI_COMPLETIONS;
    else {
        snprintf(err, errlen, "unknown LLM backend '%s' (ollama|openai)", name);
        return -1;
    }
    return 0;
}

const char *backend_kind_name(llm_backend_kind kind)
{
    switch (kind) {
    case LLM_BACKEND_OLLAMA: return "ollama";
    case LLM_BACKEND_OPENAI_COMPLETIONS: return "openai-completions";
    case LLM_BACKEND_OPENAI_CHAT: return "openai-chat";
    }
    return "?";
}

char *backend_url(llm_backend_kind kind, const char *base, char *err, size_t errlen)
{
    if (!base || !*base) {
        snprintf(err, errlen, "empty LLM URL");
        return NULL;
    }
    const char *scheme = strstr(base, "://") ? "" : "http://";
    const char *hostpart = strstr(base, "://") ? strstr(base, "://") + 3 : base;
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    /* Ollama's OLLAMA_HOST may be "host" without port: add the default one. */
    const char *port = "";
    if (kind == LLM_BACKEND_OLLAMA) {
        const char *slash = strchr(hostpart, '/');
        size_t hlen = slash ? (size_t)(slash - hostpart) : strlen(hostpart);
        const char *colon = memchr(hostpart, ':', hlen);
        if (!colon && hostpart[0] != '[')
            port = slash ? "" : ":11434";
    }
    /* An OpenAI base may end in /v1: don't double it. */
    if (kind != LLM_BACKEND_OLLAMA && blen >= 3 && memcmp(base + blen - 3, "/v1", 3) == 0)
        blen -= 3;
    const char *path = kind == LLM_BACKEND_OLLAMA ? "/api/generate"
                       : kind == LLM_BACKEND_OPENAI_CHAT ? "/v1/chat/completions"
                                                         : "/v1/completions";
    size_t n = strlen(scheme) + blen + strlen(port) + strlen(path) + 1;
    char *url = malloc(n);
    if (!url) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(url, n, "%s%.*s%s%s", scheme, (int)blen, base, port, path);
    return url;
}

char *backend_request_body(const llm_params *p, const char *prompt, uint32_t seed)
{
    return p->kind == LLM_BACKEND_OLLAMA ? ollama_request_body(p, prompt, seed)
                                         : openai_request_body(p, prompt, seed);
}

int backend_parse_answer(llm_backend_kind kind, const char *body, size_t len, char **answer,
                         char *err, size_t errlen)
{
    *answer = NULL;
    return kind == LLM_BACKEND_OLLAMA ? ollama_parse_answer(body, len, answer, err, errlen)
                                      : openai_parse_answer(kind, body, len, answer, err, errlen);
}

void backend_error_text(const char *body, size_t len, char *out, size_t outlen)
{
    if (outlen == 0)
        return;
    out[0] = '\0';
    if (!body || len == 0)
        return;
    json_t *root = json_loadb(body, len, 0, NULL);
    json_t *e = root ? json_object_get(root, "error") : NULL;
    if (json_is_string(e)) {
        snprintf(out, outlen, "%s", json_string_value(e));
    } else if (json_is_object(e)) {
        json_t *m = json_object_get(e, "message");
        json_t *c = json_object_get(e, "code");
        json_t *t = json_object_get(e, "type");
        const char *code = json_is_string(c) ? json_string_value(c)
                           : json_is_string(t) ? json_string_value(t) : NULL;
        if (json_is_string(m) && code)
            snprintf(out, outlen, "%s (%s)", json_string_value(m), code);
        else if (json_is_string(m))
            snprintf(out, outlen, "%s", json_string_value(m));
        else if (code)
            snprintf(out, outlen, "%s", code);
    }
    if (!out[0]) {
        /* not a known error shape: keep a printable prefix of the raw body */
        size_t n = 0;
        for (size_t i = 0; i < len && n + 1 < outlen && n < 200; i++)
            out[n++] = (body[i] >= 32 && body[i] < 127) ? body[i] : ' ';
        out[n] = '\0';
    }
    json_decref(root);
    utf8_clean(out); /* the snprintf above may have cut a character: error texts go into messages */
}
