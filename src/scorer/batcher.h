/* batcher.h -- micro-batching: requests queued together are scored in one library call by one thread. */
#ifndef QAFLOW_BATCHER_H
#define QAFLOW_BATCHER_H

#include <stddef.h>

#include "bertscore.h"
#include "prom.h"

typedef struct batcher batcher;

typedef struct batcher_opts {
    int max_batch;        /* pairs per scoring call: a batch closes when it reaches this */
    int wait_ms;          /* longest wait for more requests after the first one arrives */
    long max_queue;       /* pairs waiting; beyond it batcher_score returns 1 (overloaded) */
    bertscore_opts score; /* layer, baseline, batch_size, threads, ref_cache (borrowed; its hits and
                           * misses become qaflow_scorer_reference_cache_*); idf is not allowed */
    prom_registry *prom;  /* NULL: no metrics */
} batcher_opts;

/* Starts the batcher thread. The model (and score.baseline) are borrowed. NULL + err. */
batcher *batcher_create(const bertscore_model *m, const batcher_opts *o, char *err, size_t errlen);
/* Stops taking work (batcher_score returns 1 from now on) and scores what is queued without
 * waiting for companions. Returns at once; batcher_destroy joins. NULL-safe. */
void batcher_stop(batcher *b);
/* Stops taking work, scores what is queued, joins the thread, frees. NULL-safe. */
void batcher_destroy(batcher *b);

/* Queues n pairs and blocks until they are scored. Returns 0 with out[n] filled, 1 when the
 * queue is full or the batcher is stopping (answer 503), -1 with err on a scoring error. */
int batcher_score(batcher *b, const char *const *cands, const char *const *refs, size_t n,
                  bertscore_result *out, char *err, size_t errlen);

/* Pairs waiting now (for /health). */
long batcher_queued(batcher *b);

#endif
