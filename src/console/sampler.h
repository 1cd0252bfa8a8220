/* sampler.h -- the console's one background reader: every interval it looks at Kafka, PostgreSQL, each service and Flink, and keeps the overview. */
#ifndef CONSOLE_SAMPLER_H
#define CONSOLE_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "cdb.h"
#include "kview.h"
#include "prom.h"

typedef struct sampler sampler;

typedef struct sampler_target {
    const char *name;           /* "storage", "llm-worker-1", ... */
    const char *url;            /* base URL serving /health and /metrics */
} sampler_target;

typedef struct sampler_opts {
    kview *kafka;               /* borrowed */
    cdb *db;                    /* borrowed */
    const sampler_target *targets;
    size_t ntargets;
    const char *flink_url;      /* Flink REST (and Web UI) */
    const char *prometheus_url; /* link only */
    int interval_ms;
    int rate_window_ms;         /* messages/s are averaged over (at least) this long */
    int group_active_ms;        /* a group without members counts as active this long after its offsets moved */
    int http_timeout_ms;
    prom_registry *prom;
} sampler_opts;

/* Starts the thread; the first sample is taken before this returns. NULL + err on failure. */
sampler *sampler_create(const sampler_opts *o, char *err, size_t errlen);
void sampler_destroy(sampler *s);

/* The latest GET /api/overview and GET /api/topics documents (malloc'd copies; NULL when out of
 * memory) and their version (grows by one per sample). */
char *sampler_overview(sampler *s, uint64_t *version);
char *sampler_topics(sampler *s, uint64_t *version);

/* Waits up to timeout_ms for a sample newer than version. Returns 1 when there is one, else 0. */
int sampler_wait(sampler *s, uint64_t version, int timeout_ms);

/* 1 when the last sample could read Kafka / PostgreSQL. */
int sampler_kafka_ok(sampler *s);
int sampler_db_ok(sampler *s);

#endif
