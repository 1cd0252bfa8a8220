/* scorer_http.h -- libmicrohttpd server with one thread per connection, for handlers that block (micro-batching). */
#ifndef QAFLOW_SCORER_HTTP_H
#define QAFLOW_SCORER_HTTP_H

#include <stddef.h>

#include "http.h"

/* The common HTTP glue (http.h) serves from a pool of event-loop threads: a /score handler
 * waiting for its micro-batch would stall every other connection of its thread (/health
 * included). This server takes the same options, routes (exact paths), handlers and
 * http_response helpers, but gives every connection its own thread. */
typedef struct scorer_http scorer_http;

/* o->threads is the connection limit here (<= 0: 256). Same /health, /metrics, 404/405/413
 * behaviour and the same qaflow_http_* metrics as http_server_create. NULL + err. */
scorer_http *scorer_http_create(const http_server_opts *o, char *err, size_t errlen);
/* Closes everything and frees. NULL-safe. */
void scorer_http_destroy(scorer_http *s);
int scorer_http_port(const scorer_http *s);

#endif
