/* api.h -- qaflow-storage's HTTP API: POST /query (async, or ?mode=sync), GET /status/<id>, GET /metrics, GET /health. */
#ifndef QAFLOW_STORAGE_API_H
#define QAFLOW_STORAGE_API_H

#include <stddef.h>

#include "cache.h"
#include "enqueue.h"
#include "http.h"
#include "outbox.h"
#include "prom.h"
#include "store.h"
#include "syncmode.h"

typedef struct api api;

typedef struct api_deps {
    store *store;
    cache *cache;
    outbox_relay *relay;        /* may be NULL (relay disabled): then Kafka is not checked */
    enqueue_batcher *batcher;   /* may be NULL: each POST then commits on its own */
    prom_registry *prom;
    syncmode *sync;             /* may be NULL: POST /query?mode=sync then answers 503 */
    long long max_backlog;      /* new questions get 503 while the outbox holds more unsent rows (0: no bound) */
} api_deps;

api *api_create(const api_deps *d, char *err, size_t errlen);
void api_destroy(api *a);

/* Fills the route table and health hook of an http_server_opts (routes point into a). */
void api_http_opts(api *a, http_server_opts *o);

#endif
