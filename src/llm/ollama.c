/* ollama.c -- Ollama native API: POST /api/generate (non-streaming) body and answer parsing. */
#include "backend.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *ollama_request_body(const llm_params *p, const char *prompt, uint32_t seed)
{
    json_t *opts = json_pack("{s:I, s:f, s:i}", "seed", (json_int_t)seed, "temperature",
                             p->temperature, "num_predict", p->max_tokens);
    if (!opts)
        return NULL;
    if (p->stop) {
        json_t *stop = json_array();
        for (const char *const *s = p->stop; *s; s++)
            json_array_append_new(stop, json_string(*s));
        json_object_set_new(opts, "stop", stop);
    }
    /* raw: the prompt is sent as it is, without the model's chat template (docs/llm.md). */
    json_t *root = json_pack("{s:s, s:s, s:b, s:b, s:o}", "model", p->model, "prompt", prompt,
                             "raw", 1, "stream", 0, "options", opts);
    if (!root)
        return NULL;
    char *out = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return out;
}

int ollama_parse_answer(const char *body, size_t len, char **answer, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    if (!root) {
        snprintf(err, errlen, "malformed body: not JSON (%s)", jerr.text);
        return -1;
    }
    int rc = -1;
    json_t *resp = json_object_get(root, "response");
    json_t *e = json_object_get(root, "error");
    if (!json_is_object(root)) {
        snprintf(err, errlen, "malformed body: not a JSON object");
    } else if (json_is_string(e)) {
        snprintf(err, errlen, "LLM error: %s", json_string_value(e));
    } else if (!json_is_string(resp)) {
        snprintf(err, errlen, "malformed body: no string field \"response\"");
    } else {
        *answer = strdup(json_string_value(resp));
        rc = *answer ? 0 : -1;
        if (rc)
            snprintf(err, errlen, "out of memory");
    }
    json_decref(root);
    return rc;
}
