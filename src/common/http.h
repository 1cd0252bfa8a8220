/* http.h -- libmicrohttpd glue: route table, bounded request bodies, JSON replies, /health, /metrics. */
#ifndef QAFLOW_HTTP_H
#define QAFLOW_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "prom.h"

typedef struct http_server http_server;

typedef struct http_request {
    const char *method;         /* "GET", "POST", ... */
    const char *path;           /* URL path without the query string, e.g. "/status/q_1" */
    const char *subpath;        /* for prefix routes: what follows the prefix ("q_1") */
    const char *body;           /* NUL-terminated copy of the body ("" when none) */
    size_t body_len;
    void *conn;                 /* struct MHD_Connection *, for the accessors below */
    http_server *server;        /* the server serving it (for http_request_wait) */
} http_request;

/* Request header (case-insensitive) or query argument; NULL when absent. */
const char *http_request_header(const http_request *req, const char *name);
const char *http_request_query(const http_request *req, const char *key);

/* 1 when the client has closed its side of the connection (or it failed), else 0. */
int http_request_client_gone(const http_request *req);
/* Blocks the calling handler for ms milliseconds (ms < 0: without limit), looking every 50 ms
 * whether it should give up. Returns 0 when the time ran out, 1 when the client closed its
 * connection, 2 when the server is stopping (http_server_stop / http_server_destroy). Only for
 * thread_per_connection servers: on a pool thread it would stall that thread's connections. */
int http_request_wait(const http_request *req, long ms);

/* A body collected in chunks, bounded in size: a request's from libmicrohttpd's upload chunks, or an
 * answer's from libcurl (http_body_curl_write). Zero it to start. */
typedef struct http_body {
    char *data;                 /* malloc'd, NUL-terminated after each append; NULL when empty */
    size_t len, cap;
    int too_large;              /* the body passed the bound: what came is dropped, the rest ignored */
    size_t max;                 /* the bound http_body_curl_write applies */
} http_body;

/* Appends n bytes unless that would make the body longer than max (then too_large is set and
 * the body freed). Returns 0, or -1 when out of memory. */
int http_body_append(http_body *b, const char *data, size_t n, size_t max);
void http_body_free(http_body *b);
/* A libcurl CURLOPT_WRITEFUNCTION with CURLOPT_WRITEDATA an http_body: appends up to b->max bytes;
 * past it (or out of memory) it returns 0, which ends the transfer (too_large tells which). Also for
 * chunked answers, which announce no length for CURLOPT_MAXFILESIZE to refuse. */
size_t http_body_curl_write(char *ptr, size_t size, size_t nmemb, void *b);
/* Empties b for reuse, keeping its buffer and bound. */
void http_body_reset(http_body *b);

#define HTTP_MAX_HEADERS 4
typedef struct http_response {
    int status;
    char *body;                 /* malloc'd; the server frees it */
    size_t body_len;
    const char *content_type;   /* static string; default "application/json" */
    const char *header_names[HTTP_MAX_HEADERS];   /* static strings */
    char header_values[HTTP_MAX_HEADERS][64];
    int nheaders;
    int drop;                   /* 1: close the connection without an answer (status and body ignored) */
    /* A streamed body (e.g. text/event-stream) instead of body: the server calls stream on the
     * connection's thread for the next bytes (at most max into buf) until it returns
     * HTTP_STREAM_END, then stream_free(stream_opaque). Only on thread_per_connection servers
     * (stream may block there); it must return within a bounded time, checking for a stop. */
    ssize_t (*stream)(void *stream_opaque, uint64_t pos, char *buf, size_t max);
    void (*stream_free)(void *stream_opaque);
    void *stream_opaque;
} http_response;

#define HTTP_STREAM_END ((ssize_t)-1)

/* Fill a response. http_response_json steals the reference to obj (NULL-safe: 500). */
void http_response_json(http_response *resp, int status, json_t *obj);
/* {"error": "<formatted message>"} */
void http_response_error(http_response *resp, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Copies text. */
void http_response_text(http_response *resp, int status, const char *content_type, const char *text);
/* A streamed body (see http_response.stream); stream_free (may be NULL) frees opaque. */
void http_response_stream(http_response *resp, int status, const char *content_type,
                          ssize_t (*stream)(void *, uint64_t, char *, size_t), void (*stream_free)(void *),
                          void *opaque);
/* Takes ownership of a malloc'd body. */
void http_response_take(http_response *resp, int status, const char *content_type, char *body, size_t len);
void http_response_header(http_response *resp, const char *name, const char *value);

/* A handler fills resp (status defaults to 500 if left 0). Runs on a server thread: must be
 * thread-safe. On the thread pool it must not block (it would stall the other connections of
 * its thread, /health included); with thread_per_connection it may. */
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
    int threads;                /* worker threads (MHD thread pool, epoll); <= 0: 2. With
                                 * thread_per_connection: the connection limit; <= 0: 256 */
    /* 1: one thread per connection (MHD_USE_THREAD_PER_CONNECTION, poll), for handlers that
     * block: waiting for a micro-batch, holding a request, calling another server. */
    int thread_per_connection;
    size_t thread_stack;        /* thread_per_connection: stack of each thread; 0: system default */
    unsigned conn_timeout_s;    /* idle connections are closed after this; 0: 30 */
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
    /* libmicrohttpd's own messages at debug instead of warn level (for a server that drops
     * connections on purpose, which libmicrohttpd reports as an error). */
    int quiet_mhd_log;
} http_server_opts;

/* Starts serving right away. Unknown path: 404; known path, other method: 405 with Allow.
 * With opts->prom, it also counts requests (qaflow_http_requests_total{code}) and their
 * latency (qaflow_http_request_duration_seconds). Returns NULL and fills err. */
http_server *http_server_create(const http_server_opts *o, char *err, size_t errlen);
/* Graceful stop: stops accepting connections, makes http_request_wait return 2, and waits up
 * to timeout_ms for the requests in flight to be answered (response sent or connection gone).
 * Returns how many were still in flight (0: all answered). Then call http_server_destroy.
 * Connections kept alive may still bring a request while it waits. */
int http_server_stop(http_server *s, long timeout_ms);
/* Stops at once: closes every connection (handlers still running are waited for; those in
 * http_request_wait return 2), frees. NULL-safe. */
void http_server_destroy(http_server *s);
int http_server_port(const http_server *s);

#endif
