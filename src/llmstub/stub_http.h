/* stub_http.h -- the stub's HTTP server: one thread per connection so held requests block nobody */
#ifndef QAFLOW_STUB_HTTP_H
#define QAFLOW_STUB_HTTP_H

#include <stddef.h>

/* Why not qaflow_common's http.c: it serves from a fixed thread pool, where every held
 * ("hanging") or delayed request would occupy a pool thread and stall the others. Here each
 * connection has its own thread, a handler may block for as long as it likes, and
 * stub_http_wait lets it notice a client that hung up or a server that is stopping. */

typedef struct stub_http_req {
    const char *method;
    const char *path;
    const char *body;     /* NUL-terminated ("" when none) */
    size_t body_len;
    void *conn;           /* struct MHD_Connection * */
} stub_http_req;

#define STUB_HTTP_MAX_HEADERS 4

typedef struct stub_http_resp {
    int status;
    char *body;                 /* malloc'd, the server frees it */
    size_t body_len;
    const char *content_type;   /* static; NULL: application/json */
    const char *header_names[STUB_HTTP_MAX_HEADERS]; /* static */
    char header_values[STUB_HTTP_MAX_HEADERS][128];
    int nheaders;
    int drop;                   /* 1: close the connection without an answer */
} stub_http_resp;

typedef void (*stub_http_handler)(void *opaque, const stub_http_req *req, stub_http_resp *resp);

typedef struct stub_http stub_http;

/* Listen on bind_addr:port (port 0: any free port). max_body: larger bodies get 413.
 * Returns NULL and fills err. */
stub_http *stub_http_create(const char *bind_addr, int port, size_t max_body, int max_conns,
                            stub_http_handler fn, void *opaque, char *err, size_t errlen);
/* Stop accepting, wake held requests, join every connection thread, free. NULL-safe. */
void stub_http_destroy(stub_http *s);
int stub_http_port(const stub_http *s);

/* Block the calling handler for ms milliseconds (ms < 0: without limit). Returns 0 when the
 * time ran out, 1 when the client closed its connection, 2 when the server is stopping. */
int stub_http_wait(stub_http *s, const stub_http_req *req, long ms);

/* Query argument or request header; NULL when absent. */
const char *stub_http_query(const stub_http_req *req, const char *key);
const char *stub_http_header(const stub_http_req *req, const char *name);

/* Helpers to fill a response. */
void stub_http_take(stub_http_resp *r, int status, const char *content_type, char *body);
void stub_http_text(stub_http_resp *r, int status, const char *content_type, const char *text);
void stub_http_add_header(stub_http_resp *r, const char *name, const char *value);

#endif
