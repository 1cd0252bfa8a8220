/* refcache.c -- bounded LRU cache of reference embeddings: chained hash table + recency list under one mutex. */
#include "refcache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rc_entry {
    uint64_t hash, model_uid;
    int layer, len, hidden;
    size_t text_len, bytes;
    char *text;                       /* text_len bytes, not NUL-terminated */
    int32_t *ids;                     /* len */
    float *emb;                       /* len x hidden */
    struct rc_entry *chain;           /* next in the bucket */
    struct rc_entry *newer, *older;   /* recency list */
} rc_entry;

struct bertscore_refcache {
    pthread_mutex_t mu;
    size_t max_bytes, bytes, entries;
    rc_entry **buckets;
    size_t nbuckets;                  /* a power of two */
    rc_entry *newest, *oldest;
    uint64_t hits, misses, evictions;
};

#define RC_MIN_BUCKETS 64

/* FNV-1a over the model identity, the layer and the text. */
static uint64_t rc_hash(uint64_t model_uid, int layer, const char *text, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    const unsigned char *p = (const unsigned char *)&model_uid;
    for (size_t i = 0; i < sizeof model_uid; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    p = (const unsigned char *)&layer;
    for (size_t i = 0; i < sizeof layer; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    p = (const unsigned char *)text;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

bertscore_refcache *bertscore_refcache_create(size_t max_bytes, char *err, size_t errlen)
{
    if (max_bytes < 1) {
        snprintf(err, errlen, "refcache: the bound must be at least 1 byte");
        return NULL;
    }
    bertscore_refcache *c = calloc(1, sizeof *c);
    if (c)
        c->buckets = calloc(RC_MIN_BUCKETS, sizeof *c->buckets);
    if (!c || !c->buckets) {
        free(c);
        snprintf(err, errlen, "refcache: out of memory");
        return NULL;
    }
    c->nbuckets = RC_MIN_BUCKETS;
    c->max_bytes = max_bytes;
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

static void rc_entry_free(rc_entry *e)
{
    free(e->text);
    free(e->ids);
    free(e->emb);
    free(e);
}

void bertscore_refcache_destroy(bertscore_refcache *c)
{
    if (!c)
        return;
    for (rc_entry *e = c->newest, *next; e; e = next) {
        next = e->older;
        rc_entry_free(e);
    }
    free(c->buckets);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

void bertscore_refcache_get_stats(bertscore_refcache *c, bertscore_refcache_stats *st)
{
    pthread_mutex_lock(&c->mu);
    *st = (bertscore_refcache_stats){c->hits, c->misses, c->evictions, c->entries, c->bytes};
    pthread_mutex_unlock(&c->mu);
}

static rc_entry *rc_find(bertscore_refcache *c, uint64_t h, uint64_t model_uid, int layer, const char *text,
                         size_t len)
{
    for (rc_entry *e = c->buckets[h & (c->nbuckets - 1)]; e; e = e->chain)
        if (e->hash == h && e->model_uid == model_uid && e->layer == layer && e->text_len == len &&
            memcmp(e->text, text, len) == 0)
            return e;
    return NULL;
}

static void rc_list_unlink(bertscore_refcache *c, rc_entry *e)
{
    if (e->newer) e->newer->older = e->older; else c->newest = e->older;
    if (e->older) e->older->newer = e->newer; else c->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void rc_list_push_newest(bertscore_refcache *c, rc_entry *e)
{
    e->newer = NULL;
    e->older = c->newest;
    if (c->newest)
        c->newest->newer = e;
    c->newest = e;
    if (!c->oldest)
        c->oldest = e;
}

static void rc_remove(bertscore_refcache *c, rc_entry *e)
{
    rc_entry **pp = &c->buckets[e->hash & (c->nbuckets - 1)];
    while (*pp != e)
        pp = &(*pp)->chain;
    *pp = e->chain;
    rc_list_unlink(c, e);
    c->bytes -= e->bytes;
    c->entries--;
    rc_entry_free(e);
}

/* Doubles the table when it holds more entries than buckets; a failed allocation keeps the old one. */
static void rc_maybe_grow(bertscore_refcache *c)
{
    if (c->entries <= c->nbuckets)
        return;
    size_t nb = c->nbuckets * 2;
    rc_entry **b = calloc(nb, sizeof *b);
    if (!b)
        return;
    for (rc_entry *e = c->newest; e; e = e->older) {
        e->chain = b[e->hash & (nb - 1)];
        b[e->hash & (nb - 1)] = e;
    }
    free(c->buckets);
    c->buckets = b;
    c->nbuckets = nb;
}

int refcache_lookup(bertscore_refcache *c, uint64_t model_uid, int layer, const char *text, size_t text_len,
                    int32_t *ids, int max_ids, int hidden, float **emb)
{
    uint64_t h = rc_hash(model_uid, layer, text, text_len);
    *emb = NULL;
    pthread_mutex_lock(&c->mu);
    rc_entry *e = rc_find(c, h, model_uid, layer, text, text_len);
    int len = 0, oom = 0;
    if (e && e->hidden == hidden && e->len <= max_ids) {
        size_t n = (size_t)e->len * (size_t)hidden;
        *emb = malloc(n * sizeof(float));
        oom = !*emb;
        if (*emb) {
            memcpy(*emb, e->emb, n * sizeof(float));
            memcpy(ids, e->ids, (size_t)e->len * sizeof(int32_t));
            len = e->len;
            rc_list_unlink(c, e);
            rc_list_push_newest(c, e);
        }
    }
    if (len > 0)
        c->hits++;
    else
        c->misses++;
    pthread_mutex_unlock(&c->mu);
    return oom ? -1 : len;
}

int refcache_insert(bertscore_refcache *c, uint64_t model_uid, int layer, const char *text, size_t text_len,
                    const int32_t *ids, int len, int hidden, const float *emb)
{
    size_t nemb = (size_t)len * (size_t)hidden;
    size_t bytes = sizeof(rc_entry) + text_len + (size_t)len * sizeof(int32_t) + nemb * sizeof(float);
    if (len < 1 || hidden < 1 || bytes > c->max_bytes)
        return 0;
    uint64_t h = rc_hash(model_uid, layer, text, text_len);
    pthread_mutex_lock(&c->mu);
    int present = rc_find(c, h, model_uid, layer, text, text_len) != NULL;
    pthread_mutex_unlock(&c->mu);
    if (present)
        return 0;
    /* copies are made outside the lock */
    rc_entry *e = calloc(1, sizeof *e);
    if (e) {
        e->text = malloc(text_len ? text_len : 1);
        e->ids = malloc((size_t)len * sizeof(int32_t));
        e->emb = malloc(nemb * sizeof(float));
    }
    if (!e || !e->text || !e->ids || !e->emb) {
        if (e)
            rc_entry_free(e);
        return -1;
    }
    memcpy(e->text, text, text_len);
    memcpy(e->ids, ids, (size_t)len * sizeof(int32_t));
    memcpy(e->emb, emb, nemb * sizeof(float));
    *e = (rc_entry){.hash = h, .model_uid = model_uid, .layer = layer, .len = len, .hidden = hidden,
                    .text_len = text_len, .bytes = bytes, .text = e->text, .ids = e->ids, .emb = e->emb};
    pthread_mutex_lock(&c->mu);
    if (rc_find(c, h, model_uid, layer, text, text_len)) {   /* another caller stored it meanwhile */
        pthread_mutex_unlock(&c->mu);
        rc_entry_free(e);
        return 0;
    }
    while (c->oldest && c->bytes + bytes > c->max_bytes) {
        rc_remove(c, c->oldest);
        c->evictions++;
    }
    e->chain = c->buckets[h & (c->nbuckets - 1)];
    c->buckets[h & (c->nbuckets - 1)] = e;
    rc_list_push_newest(c, e);
    c->bytes += bytes;
    c->entries++;
    rc_maybe_grow(c);
    pthread_mutex_unlock(&c->mu);
    return 0;
}
