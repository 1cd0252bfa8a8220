/* probe.h -- bounded HTTP GET/POST of other services (libcurl): /health, /metrics, Flink's REST API, storage's /query. */
#ifndef CONSOLE_PROBE_H
#define CONSOLE_PROBE_H

#include <stddef.h>

/* Largest body a probe keeps (longer answers are an error). */
#define PROBE_MAX_BODY (4u << 20)

typedef struct probe_reply {
    long status;        /* HTTP status; 0 when the request failed (err says why) */
    char *body;         /* malloc'd, NUL-terminated ("" when empty); NULL on failure */
    size_t len;
    char content_type[128];
} probe_reply;

/* GET (body NULL) or POST body (Content-Type json) with a total timeout. Returns 0 when an
 * HTTP answer came (any status), -1 with err otherwise. Free the reply with probe_reply_free. */
int probe_http(const char *url, const char *body, size_t body_len, long timeout_ms,
               probe_reply *out, char *err, size_t errlen);
void probe_reply_free(probe_reply *r);

/* Sum of every sample of metric name (any labels) in Prometheus text; *found = series seen. */
double probe_prom_sum(const char *text, const char *name, int *found);

#endif
