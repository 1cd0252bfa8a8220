/* cache.c -- two-level cache-aside: direct-mapped in-process slots, then Redis with a connection pool. */
#include "cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "redis.h"
#include "timeutil.h"

#define CACHE_STRIPES 64

typedef struct slot {
    char *key;
    char *val;
} slot;

struct cache {
    char *addr;
    char *prefix;
    int timeout_ms;
    int ttl_s;
    /* Redis connection pool; NULL entries are (re)connected on demand */
    pthread_mutex_t pool_lock;
    pthread_cond_t pool_cond;
    redis_conn **free_conns;
    int nfree, nconns;
    _Atomic int64_t next_connect_ms;   /* back-off after a failed connect */
    /* in-process level */
    slot *slots;
    size_t nslots;
    pthread_mutex_t stripes[CACHE_STRIPES];
    /* counters */
    prom_counter *hits_local, *hits_redis, *misses, *redis_errors;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

cache *cache_create(const cache_opts *o, char *err, size_t errlen)
{
    cache *c = calloc(1, sizeof *c);
    if (!c) goto oom;
    c->addr = strdup(o->redis_addr ? o->redis_addr : "127.0.0.1:6379");
    c->prefix = strdup(o->prefix ? o->prefix : "qaflow:result:");
    c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 500;
    c->ttl_s = o->ttl_s;
    c->nconns = o->conns > 0 ? o->conns : 4;
    c->free_conns = calloc((size_t)c->nconns, sizeof *c->free_conns);
    if (!c->addr || !c->prefix || !c->free_conns) goto oom;
    c->nfree = c->nconns; /* all NULL: connect lazily */
    pthread_mutex_init(&c->pool_lock, NULL);
    pthread_cond_init(&c->pool_cond, NULL);
    if (o->local_entries > 0) {
        c->nslots = (size_t)o->local_entries;
        c->slots = calloc(c->nslots, sizeof *c->slots);
        if (!c->slots) goto oom;
    }
    for (int i = 0; i < CACHE_STRIPES; i++) pthread_mutex_init(&c->stripes[i], NULL);
    c->hits_local = prom_counter_create(o->prom, "qaflow_storage_cache_hits_total", "Result cache hits", "level=\"local\"");
    c->hits_redis = prom_counter_create(o->prom, "qaflow_storage_cache_hits_total", "Result cache hits", "level=\"redis\"");
    c->misses = prom_counter_create(o->prom, "qaflow_storage_cache_misses_total", "Result cache misses", NULL);
    c->redis_errors = prom_counter_create(o->prom, "qaflow_storage_redis_errors_total", "Redis commands that failed", NULL);
    return c;
oom:
    if (c) {
        free(c->addr);
        free(c->prefix);
        free(c->free_conns);
        free(c->slots);
        free(c);
    }
    snprintf(err, errlen, "out of memory");
    return NULL;
}

void cache_destroy(cache *c)
{
    if (!c) return;
    for (int i = 0; i < c->nfree; i++) redis_conn_destroy(c->free_conns[i]);
    for (size_t i = 0; i < c->nslots; i++) {
        free(c->slots[i].key);
        free(c->slots[i].val);
    }
    for (int i = 0; i < CACHE_STRIPES; i++) pthread_mutex_destroy(&c->stripes[i]);
    pthread_mutex_destroy(&c->pool_lock);
    pthread_cond_destroy(&c->pool_cond);
    free(c->slots);
    free(c->free_conns);
    free(c->addr);
    free(c->prefix);
    free(c);
}

/* Borrows a pool slot; *conn may be NULL when Redis is unreachable (the slot must still be
 * returned with redis_release). */
static redis_conn *redis_acquire(cache *c)
{
    pthread_mutex_lock(&c->pool_lock);
    while (c->nfree == 0) pthread_cond_wait(&c->pool_cond, &c->pool_lock);
    redis_conn *r = c->free_conns[--c->nfree];
    pthread_mutex_unlock(&c->pool_lock);
    if (!r && timeutil_mono_ms() >= atomic_load(&c->next_connect_ms)) {
        char err[256];
        r = redis_conn_create(c->addr, c->timeout_ms, err, sizeof err);
        if (!r) {
            atomic_store(&c->next_connect_ms, timeutil_mono_ms() + 1000);
            log_warn("cache: %s", err);
        }
    }
    return r;
}

static void redis_release(cache *c, redis_conn *r)
{
    pthread_mutex_lock(&c->pool_lock);
    c->free_conns[c->nfree++] = r;
    pthread_cond_signal(&c->pool_cond);
    pthread_mutex_unlock(&c->pool_lock);
}

static char *local_get(cache *c, const char *qid)
{
    if (!c->nslots) return NULL;
    uint64_t h = hash_str(qid);
    size_t i = h % c->nslots;
    pthread_mutex_t *m = &c->stripes[i % CACHE_STRIPES];
    char *out = NULL;
    pthread_mutex_lock(m);
    if (c->slots[i].key && strcmp(c->slots[i].key, qid) == 0) out = strdup(c->slots[i].val);
    pthread_mutex_unlock(m);
    return out;
}

/* Results larger than this stay in Redis only, so the local level's memory stays bounded
 * (slots x 16 KiB at worst; a typical result is 1-2 KiB). */
#define CACHE_LOCAL_MAX_VALUE 16384

static void local_put(cache *c, const char *qid, const char *json)
{
    if (!c->nslots || strlen(json) > CACHE_LOCAL_MAX_VALUE) return;
    char *k = strdup(qid), *v = strdup(json);
    if (!k || !v) {
        free(k);
        free(v);
        return;
    }
    size_t i = hash_str(qid) % c->nslots;
    pthread_mutex_t *m = &c->stripes[i % CACHE_STRIPES];
    pthread_mutex_lock(m);
    char *ok = c->slots[i].key, *ov = c->slots[i].val;
    c->slots[i].key = k;
    c->slots[i].val = v;
    pthread_mutex_unlock(m);
    free(ok);
    free(ov);
}

char *cache_get(cache *c, const char *qid)
{
    char *v = local_get(c, qid);
    if (v) {
        prom_counter_inc(c->hits_local);
        return v;
    }
    redis_conn *r = redis_acquire(c);
    if (r) {
        char err[256];
        redisReply *rep = redis_cmd(r, err, sizeof err, "GET %s%s", c->prefix, qid);
        if (!rep) {
            prom_counter_inc(c->redis_errors);
            log_warn("cache get: %s", err);
            redis_conn_destroy(r);
            r = NULL;
        } else {
            if (rep->type == REDIS_REPLY_STRING) v = strdup(rep->str);
            else if (rep->type == REDIS_REPLY_ERROR) prom_counter_inc(c->redis_errors);
            freeReplyObject(rep);
        }
    }
    redis_release(c, r);
    if (v) {
        prom_counter_inc(c->hits_redis);
        local_put(c, qid, v);
    } else {
        prom_counter_inc(c->misses);
    }
    return v;
}

void cache_put(cache *c, const char *qid, const char *json)
{
    local_put(c, qid, json);
    redis_conn *r = redis_acquire(c);
    if (r) {
        char err[256];
        redisReply *rep = c->ttl_s > 0
                              ? redis_cmd(r, err, sizeof err, "SET %s%s %s EX %d", c->prefix, qid, json, c->ttl_s)
                              : redis_cmd(r, err, sizeof err, "SET %s%s %s", c->prefix, qid, json);
        if (!rep) {
            prom_counter_inc(c->redis_errors);
            log_warn("cache put: %s", err);
            redis_conn_destroy(r);
            r = NULL;
        } else {
            if (rep->type == REDIS_REPLY_ERROR) {
                prom_counter_inc(c->redis_errors);
                log_warn("cache put: redis answered %s", rep->str);
            }
            freeReplyObject(rep);
        }
    }
    redis_release(c, r);
}

int cache_redis_up(cache *c)
{
    redis_conn *r = redis_acquire(c);
    int up = r && redis_conn_ping(r);
    if (r && !up) {
        redis_conn_destroy(r);
        r = NULL;
    }
    redis_release(c, r);
    return up;
}

/* Value of "field:" in an INFO reply, or -1. */
static long long info_field(const char *info, const char *field)
{
    const char *p = strstr(info, field);
    return p ? atoll(p + strlen(field)) : -1;
}

void cache_get_stats(cache *c, cache_stats *out)
{
    memset(out, 0, sizeof *out);
    out->local_hits = (unsigned long long)prom_counter_value(c->hits_local);
    out->redis_hits = (unsigned long long)prom_counter_value(c->hits_redis);
    out->hits = out->local_hits + out->redis_hits;
    out->misses = (unsigned long long)prom_counter_value(c->misses);
    out->redis_errors = (unsigned long long)prom_counter_value(c->redis_errors);
    snprintf(out->policy, sizeof out->policy, "unknown");
    out->maxmemory = out->used_memory = out->keys = -1;
    redis_conn *r = redis_acquire(c);
    if (r) {
        char err[256];
        redisReply *rep = redis_cmd(r, err, sizeof err, "CONFIG GET maxmemory-policy");
        if (rep && rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 && rep->element[1]->str)
            snprintf(out->policy, sizeof out->policy, "%s", rep->element[1]->str);
        if (rep) freeReplyObject(rep);
        rep = redis_cmd(r, err, sizeof err, "INFO memory");
        if (rep && rep->type == REDIS_REPLY_STRING) {
            out->maxmemory = info_field(rep->str, "\nmaxmemory:");
            out->used_memory = info_field(rep->str, "\nused_memory:");
        }
        if (rep) freeReplyObject(rep);
        rep = redis_cmd(r, err, sizeof err, "DBSIZE");
        if (rep && rep->type == REDIS_REPLY_INTEGER) out->keys = rep->integer;
        if (rep) freeReplyObject(rep);
        else {
            redis_conn_destroy(r);
            r = NULL;
        }
    }
    redis_release(c, r);
}
