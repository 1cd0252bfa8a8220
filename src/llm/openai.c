/* openai.c -- OpenAI-compatible API: /v1/completions and /v1/chat/completions bodies and parsing. */
#include "backend.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *openai_request_body(const llm_params *p, const char *prompt, uint32_t seed)
{
    json_t *root = json_pack("{s:s, s:I, s:f, s:i, s:b}", "model", p->model, "seed",
                             (json_int_t)seed, "temperature", p->temperature, "max_tokens",
                             p->max_tokens, "stream", 0);
    if (!root)
        return NULL;
    if (p->kind == LLM_BACKEND_OPENAI_CHAT) {
        json_t *msgs = json_pack("[{s:s, s:s}]", "role", "user", "content", prompt);
        json_object_set_new(root, "messages", msgs);
    } else {
        json_object_set_new(root, "prompt", json_string(prompt));
    }
    if (p->stop && *p->stop) {
        json_t *stop = json_array();
        for (const char *const *s = p->stop; *s; s++)
            json_array_append_new(stop, json_string(*s));
        json_object_set_new(root, "stop", stop);
    }
    char *out = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return out;
}

int openai_parse_answer(llm_backend_kind kind, const char *body, size_t len, char **answer,
                        char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    if (!root) {
        snprintf(err, errlen, "malformed body: not JSON (%s)", jerr.text);
        return -1;
    }
    int rc = -1;
    json_t *choices = json_object_get(root, "choices");
    json_t *first = json_array_get(choices, 0);
    json_t *text = NULL;
    if (kind == LLM_BACKEND_OPENAI_CHAT)
        text = json_object_get(json_object_get(first, "message"), "content");
    else
        text = json_object_get(first, "text");
    json_t *e = json_object_get(root, "error");
    if (e && !json_is_null(e)) {
        char msg[256];
        backend_error_text(body, len, msg, sizeof msg);
        snprintf(err, errlen, "LLM error: %s", msg);
    } else if (!json_is_array(choices) || !json_is_object(first)) {
        snprintf(err, errlen, "malformed body: no choices[0]");
    } else if (json_is_null(text) && kind == LLM_BACKEND_OPENAI_CHAT) {
        *answer = strdup(""); /* content:null = the model said nothing */
        rc = *answer ? 0 : -1;
    } else if (!json_is_string(text)) {
        snprintf(err, errlen, "malformed body: choices[0].%s is not a string",
                 kind == LLM_BACKEND_OPENAI_CHAT ? "message.content" : "text");
    } else {
        *answer = strdup(json_string_value(text));
        rc = *answer ? 0 : -1;
    }
    json_decref(root);
    return rc;
}
