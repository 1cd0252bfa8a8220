/* batcher.c -- queue + one scoring thread: wait up to wait_ms or max_batch pairs, score all, wake each caller. */
#include "batcher.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

typedef struct batcher_job {
    const char *const *cands;
    const char *const *refs;
    size_t n;
    bertscore_result *out;
    int state;                 /* 0 queued, 1 done, -1 failed */
    char err[256];
    struct batcher_job *next;
} batcher_job;

struct batcher {
    const bertscore_model *m;
    batcher_opts o;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t work_cv;    /* batcher thread waits for jobs */
    pthread_cond_t done_cv;    /* callers wait for their job */
    batcher_job *head, *tail;
    long queued;               /* pairs in the queue */
    int stopping;
    prom_counter *m_pairs, *m_batches, *m_rejected, *m_errors;
    prom_counter *m_cache_hits, *m_cache_misses;   /* only with a reference cache */
    prom_histogram *m_batch_pairs, *m_score_seconds;
    prom_gauge *m_queue, *m_cache_entries;
    bertscore_refcache_stats cache_seen;           /* cache counters already exported */
};

static double bt_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Absolute CLOCK_REALTIME deadline ms from now, for pthread_cond_timedwait. */
static struct timespec bt_deadline(int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* Adds what the reference cache counted since the last call to the Prometheus counters
 * (only the batcher thread calls it). */
static void bt_export_cache(batcher *b)
{
    if (!b->o.prom || !b->o.score.ref_cache)
        return;
    bertscore_refcache_stats st;
    bertscore_refcache_get_stats(b->o.score.ref_cache, &st);
    prom_counter_add(b->m_cache_hits, (double)(st.hits - b->cache_seen.hits));
    prom_counter_add(b->m_cache_misses, (double)(st.misses - b->cache_seen.misses));
    prom_gauge_set(b->m_cache_entries, (double)st.entries);
    b->cache_seen = st;
}

/* Scores the jobs of one batch together; the lock is not held. */
static void bt_score_batch(batcher *b, batcher_job *jobs, size_t pairs)
{
    const char **c = malloc(pairs * sizeof *c), **r = malloc(pairs * sizeof *r);
    bertscore_result *res = malloc(pairs * sizeof *res);
    char err[256] = "out of memory";
    int rc = -1;
    double t0 = bt_now();
    if (c && r && res) {
        size_t k = 0;
        for (batcher_job *j = jobs; j; j = j->next)
            for (size_t i = 0; i < j->n; i++, k++) {
                c[k] = j->cands[i];
                r[k] = j->refs[i];
            }
        rc = bertscore_score(b->m, c, r, pairs, &b->o.score, res, err, sizeof err);
    }
    double dt = bt_now() - t0;
    bt_export_cache(b);
    if (b->o.prom) {
        prom_counter_inc(b->m_batches);
        prom_histogram_observe(b->m_batch_pairs, (double)pairs);
        prom_histogram_observe(b->m_score_seconds, dt);
        if (rc == 0)
            prom_counter_add(b->m_pairs, (double)pairs);
        else
            prom_counter_inc(b->m_errors);
    }
    if (rc != 0)
        log_error("scoring failed pairs=%zu err=%s", pairs, err);
    else
        log_debug("batch scored pairs=%zu ms=%.1f", pairs, dt * 1000);
    pthread_mutex_lock(&b->mu);
    size_t k = 0;
    for (batcher_job *j = jobs; j; j = j->next) {
        if (rc == 0) {
            memcpy(j->out, res + k, j->n * sizeof *res);
            j->state = 1;
        } else {
            snprintf(j->err, sizeof j->err, "%s", err);
            j->state = -1;
        }
        k += j->n;
    }
    pthread_cond_broadcast(&b->done_cv);
    pthread_mutex_unlock(&b->mu);
    free(c);
    free(r);
    free(res);
}

static void *bt_main(void *arg)
{
    batcher *b = arg;
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (!b->head && !b->stopping)
            pthread_cond_wait(&b->work_cv, &b->mu);
        if (!b->head && b->stopping)
            break;
        /* the first request is here: wait a little for companions, unless the batch is full */
        struct timespec dl = bt_deadline(b->o.wait_ms);
        while (b->queued < b->o.max_batch && !b->stopping) {
            if (pthread_cond_timedwait(&b->work_cv, &b->mu, &dl) == ETIMEDOUT)
                break;
        }
        /* take whole jobs up to max_batch pairs (a larger job goes alone) */
        batcher_job *first = b->head, *last = b->head;
        size_t pairs = last->n;
        while (last->next && pairs + last->next->n <= (size_t)b->o.max_batch) {
            last = last->next;
            pairs += last->n;
        }
        b->head = last->next;
        if (!b->head)
            b->tail = NULL;
        last->next = NULL;
        b->queued -= (long)pairs;
        if (b->o.prom)
            prom_gauge_set(b->m_queue, (double)b->queued);
        pthread_mutex_unlock(&b->mu);
        bt_score_batch(b, first, pairs);
        pthread_mutex_lock(&b->mu);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

batcher *batcher_create(const bertscore_model *m, const batcher_opts *o, char *err, size_t errlen)
{
    if (o->max_batch < 1 || o->wait_ms < 0 || o->max_queue < 1 || o->score.idf) {
        snprintf(err, errlen, "batcher: max_batch >= 1, wait_ms >= 0, max_queue >= 1 and no idf");
        return NULL;
    }
    batcher *b = calloc(1, sizeof *b);
    if (!b) {
        snprintf(err, errlen, "batcher: out of memory");
        return NULL;
    }
    b->m = m;
    b->o = *o;
    if (o->prom) {
        static const double pair_buckets[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
        b->m_pairs = prom_counter_create(o->prom, "qaflow_scorer_pairs_total", "Pairs scored", NULL);
        b->m_batches = prom_counter_create(o->prom, "qaflow_scorer_batches_total", "Scoring calls (micro-batches)", NULL);
        b->m_rejected = prom_counter_create(o->prom, "qaflow_scorer_rejected_total", "Requests refused with 503 (queue full)", NULL);
        b->m_errors = prom_counter_create(o->prom, "qaflow_scorer_errors_total", "Scoring calls that failed", NULL);
        b->m_batch_pairs = prom_histogram_create(o->prom, "qaflow_scorer_batch_pairs", "Pairs per micro-batch", NULL,
                                                 pair_buckets, sizeof pair_buckets / sizeof pair_buckets[0]);
        b->m_score_seconds = prom_histogram_create(o->prom, "qaflow_scorer_batch_seconds", "Time to score one micro-batch",
                                                   NULL, prom_latency_buckets, prom_latency_nbuckets);
        b->m_queue = prom_gauge_create(o->prom, "qaflow_scorer_queue_pairs", "Pairs waiting to be scored", NULL);
        if (o->score.ref_cache) {
            b->m_cache_hits = prom_counter_create(o->prom, "qaflow_scorer_reference_cache_hits_total",
                                                  "References whose embeddings came from the reference cache", NULL);
            b->m_cache_misses = prom_counter_create(o->prom, "qaflow_scorer_reference_cache_misses_total",
                                                    "References looked up in the reference cache and encoded", NULL);
            b->m_cache_entries = prom_gauge_create(o->prom, "qaflow_scorer_reference_cache_entries",
                                                   "References held in the reference cache", NULL);
            bertscore_refcache_get_stats(o->score.ref_cache, &b->cache_seen);
        }
        if (!b->m_pairs || !b->m_batches || !b->m_rejected || !b->m_errors || !b->m_batch_pairs ||
            !b->m_score_seconds || !b->m_queue ||
            (o->score.ref_cache && (!b->m_cache_hits || !b->m_cache_misses || !b->m_cache_entries))) {
            snprintf(err, errlen, "batcher: cannot create metrics");
            free(b);
            return NULL;
        }
    }
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->work_cv, NULL);
    pthread_cond_init(&b->done_cv, NULL);
    if (pthread_create(&b->thread, NULL, bt_main, b) != 0) {
        snprintf(err, errlen, "batcher: cannot start its thread");
        pthread_cond_destroy(&b->work_cv);
        pthread_cond_destroy(&b->done_cv);
        pthread_mutex_destroy(&b->mu);
        free(b);
        return NULL;
    }
    return b;
}

void batcher_stop(batcher *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->mu);
    b->stopping = 1;
    pthread_cond_broadcast(&b->work_cv);
    pthread_mutex_unlock(&b->mu);
}

void batcher_destroy(batcher *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->mu);
    b->stopping = 1;
    pthread_cond_broadcast(&b->work_cv);
    pthread_mutex_unlock(&b->mu);
    pthread_join(b->thread, NULL);
    pthread_cond_destroy(&b->work_cv);
    pthread_cond_destroy(&b->done_cv);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

long batcher_queued(batcher *b)
{
    pthread_mutex_lock(&b->mu);
    long q = b->queued;
    pthread_mutex_unlock(&b->mu);
    return q;
}

int batcher_score(batcher *b, const char *const *cands, const char *const *refs, size_t n,
                  bertscore_result *out, char *err, size_t errlen)
{
    if (n == 0)
        return 0;
    batcher_job job = {.cands = cands, .refs = refs, .n = n, .out = out};
    pthread_mutex_lock(&b->mu);
    if (b->stopping || (b->queued > 0 && b->queued + (long)n > b->o.max_queue)) {
        pthread_mutex_unlock(&b->mu);
        if (b->o.prom)
            prom_counter_inc(b->m_rejected);
        snprintf(err, errlen, "overloaded: %ld pairs queued", b->o.max_queue);
        return 1;
    }
    if (b->tail)
        b->tail->next = &job;
    else
        b->head = &job;
    b->tail = &job;
    b->queued += (long)n;
    if (b->o.prom)
        prom_gauge_set(b->m_queue, (double)b->queued);
    pthread_cond_signal(&b->work_cv);
    while (job.state == 0)
        pthread_cond_wait(&b->done_cv, &b->mu);
    pthread_mutex_unlock(&b->mu);
    if (job.state < 0) {
        snprintf(err, errlen, "%s", job.err);
        return -1;
    }
    return 0;
}
