/* stub_proxy.h -- chaos-proxy forwarding: send a request on to the real LLM with libcurl */
#ifndef QAFLOW_STUB_PROXY_H
#define QAFLOW_STUB_PROXY_H

#include <stddef.h>

typedef struct stub_proxy stub_proxy;

typedef struct stub_proxy_result {
    int status;                 /* upstream HTTP status */
    char *body;                 /* malloc'd, NUL-terminated */
    size_t body_len;
    char content_type[128];     /* "" when absent */
    char retry_after[64];       /* upstream Retry-After, "" when absent */
} stub_proxy_result;

/* upstream: base URL such as "http://127.0.0.1:8090" (a trailing slash is dropped).
 * timeout_ms: whole-request limit. curl_global_init must have run. */
stub_proxy *stub_proxy_create(const char *upstream, long timeout_ms, char *err, size_t errlen);
void stub_proxy_destroy(stub_proxy *p);
const char *stub_proxy_upstream(const stub_proxy *p);

/* Forward method + path (+ query) with body (may be NULL for GET) and the optional
 * Authorization header. Thread-safe (one curl handle per call). Returns 0 with *out filled
 * (any HTTP status), or -1 when the upstream could not be reached (err says why). */
int stub_proxy_forward(stub_proxy *p, const char *method, const char *path_and_query,
                       const char *body, size_t body_len, const char *authorization,
                       stub_proxy_result *out, char *err, size_t errlen);
void stub_proxy_result_free(stub_proxy_result *r);

#endif
