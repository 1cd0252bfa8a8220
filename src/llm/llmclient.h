/* llmclient.h -- libcurl multi driver: many LLM requests in flight from one thread. */
#ifndef QAFLOW_LLM_LLMCLIENT_H
#define QAFLOW_LLM_LLMCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "classify.h"

typedef struct llmclient llmclient;

typedef struct llmclient_opts {
    const char *url;           /* full endpoint URL (backend_url) */
    const char *api_key;       /* Authorization: Bearer ...; NULL or "" for none */
    long timeout_ms;           /* whole request */
    long connect_timeout_ms;
    size_t max_body;           /* largest accepted response body */
} llmclient_opts;

/* One finished exchange, handed to the completion callback. `in` points into buffers that
 * live only during the callback. total_us is libcurl's own measure of the exchange. */
typedef struct llmclient_result {
    const classify_input *in;
    int64_t total_us;
} llmclient_result;

typedef void (*llmclient_done_fn)(void *opaque, void *req_opaque, const llmclient_result *r);

llmclient *llmclient_create(const llmclient_opts *o, char *err, size_t errlen);
/* Aborts whatever is still in flight, handing each request's opaque to free_opaque (may be
 * NULL), and frees. NULL-safe. */
void llmclient_destroy(llmclient *c, void (*free_opaque)(void *));

/* Starts one POST with a JSON body (copied). req_opaque comes back in the callback.
 * Returns 0 or -1 with err. */
int llmclient_submit(llmclient *c, const char *body, void *req_opaque, char *err, size_t errlen);
int llmclient_inflight(const llmclient *c);

/* Waits up to timeout_ms for network activity or llmclient_wakeup, makes progress, and calls
 * done() for each finished exchange. Returns the number finished, or -1 on a libcurl error. */
int llmclient_run(llmclient *c, int timeout_ms, llmclient_done_fn done, void *opaque);

/* Makes a concurrent or the next llmclient_run return at once. Safe from any thread. */
void llmclient_wakeup(llmclient *c);

#endif
