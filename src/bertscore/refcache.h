/* refcache.h -- bounded LRU cache of reference embeddings keyed by (model, layer, text), thread-safe. */
#ifndef QAFLOW_REFCACHE_H
#define QAFLOW_REFCACHE_H

#include <stddef.h>
#include <stdint.h>

/* A reference scored against several candidates (a regenerated answer) is encoded once: its
 * token ids and L2-normalised layer output are kept here. The key is a 64-bit hash of the
 * model (its load identity), the layer and the text; a hit also compares all three exactly,
 * so a hash collision is a miss, never a wrong embedding. Bounded by bytes (texts, ids,
 * embeddings and bookkeeping); the least recently used entries go first. */
typedef struct bertscore_refcache bertscore_refcache;

typedef struct bertscore_refcache_stats {
    uint64_t hits, misses;   /* lookups since creation */
    uint64_t evictions;      /* entries dropped to stay within the bound */
    size_t entries, bytes;   /* now */
} bertscore_refcache_stats;

/* max_bytes >= 1. NULL + err when out of memory. */
bertscore_refcache *bertscore_refcache_create(size_t max_bytes, char *err, size_t errlen);
void bertscore_refcache_destroy(bertscore_refcache *c);   /* NULL-safe */
void bertscore_refcache_get_stats(bertscore_refcache *c, bertscore_refcache_stats *st);

/* For qaflow_bertscore itself (bertscore.c). Looks the key up; on a hit copies the ids (at most
 * max_ids) into ids, mallocs *emb (len x hidden floats, the caller frees) and returns the length;
 * 0 on a miss (counted), -1 when out of memory (counted as a miss). */
int refcache_lookup(bertscore_refcache *c, uint64_t model_uid, int layer, const char *text, size_t text_len,
                    int32_t *ids, int max_ids, int hidden, float **emb);
/* Stores a copy (an existing entry for the key is kept). Entries larger than the bound are not
 * stored. Returns 0, or -1 when out of memory (the cache is unchanged). */
int refcache_insert(bertscore_refcache *c, uint64_t model_uid, int layer, const char *text, size_t text_len,
                    const int32_t *ids, int len, int hidden, const float *emb);

#endif
