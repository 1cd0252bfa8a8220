/* classify.h -- maps one LLM HTTP exchange to success / overload / quota / fatal. */
#ifndef QAFLOW_LLM_CLASSIFY_H
#define QAFLOW_LLM_CLASSIFY_H

#include <stddef.h>
#include <time.h>

#include "backend.h"

typedef enum {
    CLASSIFY_SUCCESS,  /* -> llm-responses-success */
    CLASSIFY_OVERLOAD, /* -> llm-responses-error-overload (exponential backoff) */
    CLASSIFY_QUOTA,    /* -> llm-responses-error-quota (Retry-After / fixed delay) */
    CLASSIFY_FATAL     /* -> questions-failed (retrying cannot fix it) */
} classify_outcome;

/* What transport-level failure happened before any HTTP status was received. */
typedef enum {
    CLASSIFY_NET_OK = 0,
    CLASSIFY_NET_TIMEOUT,   /* the request took longer than the configured timeout */
    CLASSIFY_NET_REFUSED,   /* connection refused / host unreachable / DNS failure */
    CLASSIFY_NET_BROKEN,    /* connection reset, empty reply, partial body */
    CLASSIFY_NET_OTHER      /* anything else the HTTP client reports (bad URL, TLS, ...) */
} classify_net;

typedef struct {
    classify_net net;
    const char *net_message;  /* the HTTP client's error text when net != OK */
    long http_status;         /* 0 when no response was received */
    const char *body;
    size_t body_len;
    long retry_after_s;       /* parsed Retry-After header, -1 when absent */
} classify_input;

typedef struct {
    classify_outcome outcome;
    int http_status;          /* 0 when no HTTP response */
    long retry_after_s;       /* -1 when absent */
    char *answer;             /* malloc'd, trimmed answer on SUCCESS, else NULL */
    char message[512];        /* error_message / failure reason, "" on SUCCESS */
} classify_result;

/* Classifies one exchange (see docs/llm.md for the table). Returns 0, or -1 only when out of
 * memory. The caller frees out->answer. */
int classify_exchange(llm_backend_kind kind, const classify_input *in, classify_result *out);

/* Parses a Retry-After header value: delta-seconds or an HTTP-date (relative to now).
 * Returns seconds >= 0, or -1 when the value is not usable. */
long classify_parse_retry_after(const char *value, time_t now);


#endif
