/* outbox.h -- the outbox relay: produces unsent outbox rows to Kafka, marks them sent after the ack. */
#ifndef QAFLOW_STORAGE_OUTBOX_H
#define QAFLOW_STORAGE_OUTBOX_H

#include <stddef.h>

#include "prom.h"

typedef struct outbox_relay outbox_relay;

typedef struct outbox_opts {
    const char *pg_dsn;
    const char *brokers;
    const char *const *kafka_props;  /* -X key=value, applied to the producer */
    size_t nkafka_props;
    int batch;                       /* rows per round */
    int poll_ms;                     /* idle wait between rounds (a notify cuts it short) */
    int delivery_timeout_ms;         /* message.timeout.ms: how long one round waits for acks */
    int retention_s;                 /* sent rows older than this are deleted (0 = keep) */
    prom_registry *prom;
} outbox_opts;

/* Starts the relay thread (its own PostgreSQL connection and Kafka producer). */
outbox_relay *outbox_relay_create(const outbox_opts *o, char *err, size_t errlen);
/* Wakes the relay now (after a commit that added rows). Cheap, thread-safe. */
void outbox_relay_notify(outbox_relay *r);
/* Brokers answering a metadata request within timeout_ms, or -1 when none. Thread-safe; while one
 * request is under way, other callers get the last answer at once. */
int outbox_relay_kafka_brokers(outbox_relay *r, int timeout_ms);
/* Stops after the current round (its acks are awaited), flushes, frees. NULL-safe. */
void outbox_relay_destroy(outbox_relay *r);

#endif
