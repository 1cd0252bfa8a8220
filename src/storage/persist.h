/* persist.h -- the persistence consumer: validated, low-quality and failed messages into PostgreSQL + cache. */
#ifndef QAFLOW_STORAGE_PERSIST_H
#define QAFLOW_STORAGE_PERSIST_H

#include <stddef.h>

#include "cache.h"
#include "prom.h"

typedef struct persist_consumer persist_consumer;

typedef struct persist_opts {
    const char *pg_dsn;
    const char *brokers;
    const char *group;               /* consumer group id */
    const char *const *kafka_props;  /* -X key=value */
    size_t nkafka_props;
    cache *cache;                    /* filled after each completed question's commit */
    prom_registry *prom;
} persist_opts;

/* Starts the consumer thread (own PostgreSQL connection, own consumer: src/common/consumer.h).
 * Offsets are released only after the transaction of a message committed; a message that cannot
 * be decoded, or that the database rejects as data, is dead-lettered to questions-failed (one on
 * questions-failed itself is logged and skipped); a database error rewinds to the message and
 * retries. */
persist_consumer *persist_consumer_create(const persist_opts *o, char *err, size_t errlen);
/* Finishes the message in hand, commits stored offsets, leaves the group, frees. NULL-safe. */
void persist_consumer_destroy(persist_consumer *p);

#endif
