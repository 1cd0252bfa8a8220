/* retry.h -- the non-blocking retry consumer: error topic -> (delay) -> questions-pending. */
#ifndef QAFLOW_RETRY_RETRY_H
#define QAFLOW_RETRY_RETRY_H

#include <signal.h>
#include <stddef.h>

#include "policy.h"
#include "prom.h"

typedef struct retry_opts {
    const char *brokers;
    const char *group;
    const char *client_id;
    const char *topic_in;       /* llm-responses-error-overload | -quota */
    const char *topic_pending;
    const char *topic_failed;
    const char *const *kafka_props;
    size_t nkafka_props;
    retry_policy policy;
    const char *pg_dsn;         /* NULL/"": llm_errors is not written (logged once) */
    int max_held;               /* messages waiting at most: intake pauses at the cap */
    size_t max_held_bytes;      /* bytes of the messages waiting at most: likewise */
    prom_registry *prom;
} retry_opts;

typedef struct retry_consumer retry_consumer;

retry_consumer *retry_create(const retry_opts *o, char *err, size_t errlen);
/* Runs until *stop; messages still waiting are left uncommitted (re-read after a restart,
 * still due at the same time because the delay counts from the Kafka timestamp). */
int retry_run(retry_consumer *r, volatile sig_atomic_t *stop);
void retry_destroy(retry_consumer *r);

/* Thread-safe, for /health. */
int retry_held(const retry_consumer *r);
int retry_assigned(const retry_consumer *r);
/* Forwards and dead letters held because Kafka cannot take them now (intake paused). */
size_t retry_produce_held(const retry_consumer *r);

#endif
