/* worker.h -- the LLM worker loop: questions-pending -> LLM -> result topics, at-least-once. */
#ifndef QAFLOW_LLM_WORKER_H
#define QAFLOW_LLM_WORKER_H

#include <signal.h>
#include <stddef.h>

#include "backend.h"
#include "prom.h"

typedef struct worker_opts {
    const char *brokers;
    const char *group;
    const char *client_id;
    const char *topic_pending;    /* input */
    const char *topic_success;
    const char *topic_overload;
    const char *topic_quota;
    const char *topic_failed;
    const char *const *kafka_props; /* -X key=value */
    size_t nkafka_props;
    llm_backend_kind backend;
    const char *llm_url;          /* full endpoint URL */
    const char *api_key;
    const char *model;
    const char *prompt_template;  /* NULL/"": built-in few-shot template */
    const char *const *stop;      /* NULL-terminated */
    double temperature;
    double regen_temperature;     /* regenerations (retry_count >= 1); < 0: temperature */
    int max_tokens;
    int concurrency;
    long timeout_ms;
    long connect_timeout_ms;
    int shutdown_timeout_s;
    prom_registry *prom;          /* metrics are registered here */
} worker_opts;

typedef struct worker worker;

worker *worker_create(const worker_opts *o, char *err, size_t errlen);
/* Consumes until *stop becomes non-zero, then finishes what is in flight (bounded by
 * shutdown_timeout_s), stores the offsets and returns 0; -1 on a fatal error. */
int worker_run(worker *w, volatile sig_atomic_t *stop);
/* Commits, leaves the group, flushes the producer, frees. NULL-safe. */
void worker_destroy(worker *w);

/* For /health (thread-safe): partitions currently assigned. */
int worker_assigned(const worker *w);
/* For /health (thread-safe): results held because Kafka cannot take them now (intake paused). */
size_t worker_produce_held(const worker *w);

#endif
