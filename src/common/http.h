/* http.h -- libmicrohttpd glue: route table, bounded request bodies, JSON replies, /health, /metrics. */
#ifndef QAFLOW_HTTP_H
#define QAFLOW_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include "prom.h"

typedef struct http_request {
    const char *method;         /* "GET", "POST", ... */
    const char *path;           /* URL path without the query string, e.g. "/status/q_1" */
    const char *subpath;        /* for prefix routes: what follows the prefix ("q_1") */
    const char *body;           /* NUL-terminated copy of the body ("" when none) */
    size_t body_len;
    void *conn;                 /* struct MHD_Connection *, for the accessors below */
} http_request;

/* Request header (case-insensitive) or query argument; NULL when absent. */
const char *http_request_header(const http_request *req, const char *name);
const char *http_request_query(const http_request *req, const char *key);

/* A request body collected from libmicrohttpd's upload chunks, bounded in size; zero it to start.
 * Shared with the LLM stub's own server (src/llmstub/stub_http.c). */
typedef struct http_body {
    char *data;                 /* malloc'd, NUL-terminated after each append; NULL when empty */
    size_t len, cap;
    int too_large;              /* the body passed the bound: what came is dropped, the rest ignored */
} http_body;

/* Appends n bytes unless that would make the body longer than max (then too_large is set and
 * the body freed). Returns 0, or -1 when out of memory. */
int http_body_append(http_body *b, const char *data, size_t n, size_t max);
void http_body_free(http_body *b);

#define HTTP_MAX_HEADERS 4
typedef struct http_response {
    int status;
    char *body;                 /* malloc'd; the server frees it */
    size_t body_len;
    const char *content_type;   /* static string; default "application/json" */
    const char *header_names[HTTP_MAX_HEADERS];   /* static strings */
    char header_values[HTTP_MAX_HEADERS][64];
    int nheaders;
} http_response;

/* Fill a response. http_response_json steals the reference to obj (NULL-safe: 500). */
void http_response_json(http_response *resp, int status, json_t *obj);
/* {"error": "<formatted message>"} */
void http_response_error(http_response *resp, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Copies text. */
void http_response_text(http_response *resp, int status, const char *content_type, const char *text);
/* Takes ownership of a malloc'd body. */
void http_response_take(http_response *resp, int status, const char *content_type, char *body, size_t len);
void http_response_header(http_response *resp, const char *name, const char *value);

/* A handler fills resp (status defaults to 500 if left 0). Runs on a server thread: must be
 * thread-safe. */
typedef void (*http_handler)(void *opaque, const http_request *req, http_response *resp);

typedef struct http_route {
    const char *method;         /* "GET", "POST", ... */
    const char *path;           /* exact path, or a prefix when prefix = 1 ("/status/") */
    int prefix;
    http_handler fn;
    void *opaque;
} http_route;

typedef struct http_server_opts {
    const char *bind_addr;      /* NULL: "127.0.0.1" */
    int port;                   /* 0: pick a free port (see http_server_port) */
    int threads;                /* worker threads (MHD thread pool, epoll); <= 0: 2 */
    size_t max_body;            /* bytes; larger bodies get 413; 0: 65536 */
    const http_route *routes;   /* copied */
    size_t nroutes;
    /* GET /health when no route claims it: fills resp (200 / 503 + JSON). NULL: {"status":"ok"}. */
    http_handler health;
    void *health_opaque;
    /* GET /metrics when no route claims it: the registry in Prometheus text. May be NULL. */
    prom_registry *prom;
    /* Per-request logging at debug level. */
    int log_requests;
} http_server_opts;

typedef struct http_server http_server;

/* Starts serving right away. Unknown path: 404; known path, other method: 405 with Allow.
 * With opts->prom, it also counts requests (qaflow_http_requests_total{code}) and their
 * latency (qaflow_http_request_duration_seconds). Returns NULL and fills err. */
http_server *http_server_create(const http_server_opts *o, char *err, size_t errlen);
/* Stops accepting, finishes in-flight requests, frees. NULL-safe. */
void http_server_destroy(http_server *s);
int http_server_port(const http_server *s);

#endif
