/* cache.h -- cache-aside for completed results: a small in-process table in front of Redis. */
#ifndef QAFLOW_STORAGE_CACHE_H
#define QAFLOW_STORAGE_CACHE_H

#include <stddef.h>

#include "prom.h"

typedef struct cache cache;

typedef struct cache_opts {
    const char *redis_addr;     /* host:port */
    int timeout_ms;             /* per Redis command */
    int conns;                  /* Redis connections in the pool */
    const char *prefix;         /* key prefix, e.g. "qaflow:result:" */
    int ttl_s;                  /* Redis TTL of a result (0 = none) */
    int local_entries;          /* in-process slots (0 = off) */
    prom_registry *prom;
} cache_opts;

/* Never fails because Redis is down: connections are (re)made on demand, and a cache that
 * cannot reach Redis behaves as a miss. Returns NULL only on allocation failure. */
cache *cache_create(const cache_opts *o, char *err, size_t errlen);
void cache_destroy(cache *c);

/* Completed results are immutable, so a hit anywhere is authoritative.
 * Returns a malloc'd JSON text (caller frees) or NULL on a miss; counts hits and misses. */
char *cache_get(cache *c, const char *qid);
/* Stores in both levels (Redis errors are logged, not returned). */
void cache_put(cache *c, const char *qid, const char *json);
/* 1 when Redis answers PING. */
int cache_redis_up(cache *c);

typedef struct cache_stats {
    unsigned long long hits, misses, local_hits, redis_hits, redis_errors;
    char policy[32];            /* Redis maxmemory-policy ("unknown" when unreachable) */
    long long maxmemory;        /* bytes, -1 unknown */
    long long used_memory;      /* bytes, -1 unknown */
    long long keys;             /* -1 unknown */
} cache_stats;
void cache_get_stats(cache *c, cache_stats *out);

#endif
