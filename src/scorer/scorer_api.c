/* scorer_api.c -- decode POST /score bodies and encode their answers (the scorer's HTTP contract). */
#include "scorer_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void scorer_request_free(scorer_request *req)
{
    free(req->cands);
    free(req->refs);
    json_decref(req->root);
    memset(req, 0, sizeof *req);
}

int scorer_request_parse(const char *body, size_t len, size_t max_pairs, size_t max_text,
                         scorer_request *req, char *err, size_t errlen)
{
    memset(req, 0, sizeof *req);
    json_error_t je;
    req->root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!req->root) {
        snprintf(err, errlen, "invalid JSON: %s", je.text);
        return -1;
    }
    json_t *pairs = json_object_get(req->root, "pairs");
    if (!json_is_object(req->root) || !json_is_array(pairs)) {
        snprintf(err, errlen, "body must be an object with a \"pairs\" array");
        goto fail;
    }
    size_t n = json_array_size(pairs);
    if (n == 0 || n > max_pairs) {
        snprintf(err, errlen, "\"pairs\" must hold 1 to %zu pairs (got %zu)", max_pairs, n);
        goto fail;
    }
    req->cands = calloc(n, sizeof *req->cands);
    req->refs = calloc(n, sizeof *req->refs);
    if (!req->cands || !req->refs) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *p = json_array_get(pairs, i);
        json_t *c = json_object_get(p, "candidate"), *r = json_object_get(p, "reference");
        if (!json_is_object(p) || !json_is_string(c) || !json_is_string(r)) {
            snprintf(err, errlen, "pairs[%zu] needs string fields \"candidate\" and \"reference\"", i);
            goto fail;
        }
        if (json_string_length(c) > max_text || json_string_length(r) > max_text) {
            snprintf(err, errlen, "pairs[%zu]: a text is longer than %zu bytes", i, max_text);
            goto fail;
        }
        if (strlen(json_string_value(c)) != json_string_length(c) ||
            strlen(json_string_value(r)) != json_string_length(r)) {
            snprintf(err, errlen, "pairs[%zu]: a text contains a NUL character", i);
            goto fail;
        }
        req->cands[i] = json_string_value(c);
        req->refs[i] = json_string_value(r);
    }
    req->n = n;
    return 0;
fail:
    scorer_request_free(req);
    return -1;
}

json_t *scorer_response(const char *model, int layer, const bertscore_result *res, size_t n,
                        int rescaled)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_pack("{s:f,s:f,s:f}", "precision", (double)res[i].p, "recall", (double)res[i].r,
                              "f1", (double)res[i].f);
        if (o && rescaled) {
            json_object_set_new(o, "precision_rescaled", json_real(res[i].p_rescaled));
            json_object_set_new(o, "recall_rescaled", json_real(res[i].r_rescaled));
            json_object_set_new(o, "f1_rescaled", json_real(res[i].f_rescaled));
        }
        json_array_append_new(arr, o);
    }
    return json_pack("{s:s,s:i,s:o}", "model", model, "layer", layer, "results", arr);
}
