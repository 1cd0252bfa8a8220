/* scorer_api.h -- the POST /score JSON contract: parse a request, format a response. */
#ifndef QAFLOW_SCORER_API_H
#define QAFLOW_SCORER_API_H

#include <jansson.h>
#include <stddef.h>

#include "bertscore.h"

typedef struct scorer_request {
    json_t *root;              /* owns the strings below */
    const char **cands, **refs;
    size_t n;
} scorer_request;

/* Parses {"pairs":[{"candidate":"...","reference":"..."}, ...]}: 1..max_pairs pairs, both
 * fields strings (possibly empty), each at most max_text bytes. Returns 0, or -1 with a
 * message for the client in err (answer 400). */
int scorer_request_parse(const char *body, size_t len, size_t max_pairs, size_t max_text,
                         scorer_request *req, char *err, size_t errlen);
void scorer_request_free(scorer_request *req);

/* {"model":..., "layer":N, "results":[{"precision","recall","f1"[, "*_rescaled"]}]}; new ref. */
json_t *scorer_response(const char *model, int layer, const bertscore_result *res, size_t n,
                        int rescaled);

#endif
