/* enqueue.c -- writer threads that turn concurrent asked questions into one transaction of new runs (group commit). */
#include "enqueue.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pg.h"
#include "runs.h"

/* One waiting request; lives on the submitting thread's stack. */
typedef struct enqueue_item {
    const char *qid, *text, *answer, *created_at;
    int done, rc, run;
    char err[512];
    struct enqueue_item *next;
} enqueue_item;

struct enqueue_batcher {
    pthread_mutex_t lock;
    pthread_cond_t work;        /* writers wait for items */
    pthread_cond_t done;        /* submitters wait for their item */
    enqueue_item *head, *tail;
    int stopping;
    int max_batch;
    int nthreads;
    pthread_t *threads;
    pg_conn **conns;
    prom_histogram *batch_size;
};

typedef struct writer_arg {
    enqueue_batcher *b;
    pg_conn *pg;
} writer_arg;

/* Starts a run for items[0..n) on pg (runs_start: the one rule, with each run's outbox row): sets each
 * item's rc, run and err (the items' done flags are the caller's). */
static void enqueue_items(pg_conn *pg, enqueue_item **items, int n)
{
    char err[512] = "";
    runs_request *reqs = calloc((size_t)n, sizeof *reqs);
    int rc = -1;
    if (!reqs) {
        snprintf(err, sizeof err, "out of memory");
    } else {
        for (int i = 0; i < n; i++)
            reqs[i] = (runs_request){ .question_id = items[i]->qid, .question_text = items[i]->text,
                                      .original_answer = items[i]->answer, .at = items[i]->created_at };
        rc = runs_start(pg, reqs, n, err, sizeof err);
    }
    for (int i = 0; i < n; i++) {
        items[i]->rc = rc;
        items[i]->run = rc == 0 ? reqs[i].run : 0;
        if (rc != 0) snprintf(items[i]->err, sizeof items[i]->err, "%s", err);
    }
    free(reqs);
}

static void run_batch(enqueue_batcher *b, pg_conn *pg, enqueue_item **items, int n)
{
    enqueue_items(pg, items, n);
    if (n > 0 && items[0]->rc != 0) log_error("enqueue: batch of %d failed: %s", n, items[0]->err);
    pthread_mutex_lock(&b->lock);
    for (int i = 0; i < n; i++) items[i]->done = 1;
    pthread_cond_broadcast(&b->done);
    pthread_mutex_unlock(&b->lock);
    prom_histogram_observe(b->batch_size, n);
}

static void *writer_main(void *arg)
{
    writer_arg *wa = arg;
    enqueue_batcher *b = wa->b;
    enqueue_item **items = calloc((size_t)b->max_batch, sizeof *items);
    for (;;) {
        pthread_mutex_lock(&b->lock);
        while (!b->head && !b->stopping) pthread_cond_wait(&b->work, &b->lock);
        if (!b->head) { /* stopping and nothing left */
            pthread_mutex_unlock(&b->lock);
            break;
        }
        int n = 0;
        while (b->head && n < b->max_batch && items) {
            items[n++] = b->head;
            b->head = b->head->next;
        }
        if (!b->head) b->tail = NULL;
        pthread_mutex_unlock(&b->lock);
        if (!items) break;
        run_batch(b, wa->pg, items, n);
    }
    free(items);
    free(wa);
    return NULL;
}

enqueue_batcher *enqueue_batcher_create(const char *dsn, int nthreads, int max_batch, prom_registry *prom,
                                        char *err, size_t errlen)
{
    enqueue_batcher *b = calloc(1, sizeof *b);
    if (!b) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    b->nthreads = nthreads > 0 ? nthreads : 1;
    b->max_batch = max_batch > 0 ? max_batch : 256;
    b->threads = calloc((size_t)b->nthreads, sizeof *b->threads);
    b->conns = calloc((size_t)b->nthreads, sizeof *b->conns);
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->work, NULL);
    pthread_cond_init(&b->done, NULL);
    static const double sizes[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512 };
    b->batch_size = prom_histogram_create(prom, "qaflow_storage_enqueue_batch_size",
                                          "New questions stored per transaction (group commit)", NULL, sizes,
                                          sizeof sizes / sizeof sizes[0]);
    if (!b->threads || !b->conns) {
        snprintf(err, errlen, "out of memory");
        enqueue_batcher_destroy(b);
        return NULL;
    }
    for (int i = 0; i < b->nthreads; i++) {
        b->conns[i] = pg_conn_create(dsn, 3, 1000, err, errlen);
        writer_arg *wa = b->conns[i] ? malloc(sizeof *wa) : NULL;
        if (!wa) {
            if (b->conns[i]) snprintf(err, errlen, "out of memory");
            enqueue_batcher_destroy(b);
            return NULL;
        }
        wa->b = b;
        wa->pg = b->conns[i];
        if (pthread_create(&b->threads[i], NULL, writer_main, wa) != 0) {
            free(wa);
            snprintf(err, errlen, "cannot start an enqueue thread");
            enqueue_batcher_destroy(b);
            return NULL;
        }
    }
    return b;
}

void enqueue_batcher_destroy(enqueue_batcher *b)
{
    if (!b) return;
    pthread_mutex_lock(&b->lock);
    b->stopping = 1;
    pthread_cond_broadcast(&b->work);
    pthread_mutex_unlock(&b->lock);
    for (int i = 0; i < b->nthreads; i++)
        if (b->threads && b->threads[i]) pthread_join(b->threads[i], NULL);
    for (int i = 0; i < b->nthreads; i++)
        if (b->conns) pg_conn_destroy(b->conns[i]);
    free(b->threads);
    free(b->conns);
    pthread_mutex_destroy(&b->lock);
    pthread_cond_destroy(&b->work);
    pthread_cond_destroy(&b->done);
    free(b);
}

/* One question to enqueue, not yet done. */
static void enqueue_item_init(enqueue_item *it, const char *qid, const char *question_text,
                              const char *original_answer, const char *created_at)
{
    memset(it, 0, sizeof *it);
    it->qid = qid;
    it->text = question_text;
    it->answer = original_answer;
    it->created_at = created_at;
}

int enqueue_batcher_submit(enqueue_batcher *b, const char *qid, const char *question_text,
                           const char *original_answer, const char *created_at, int *run, char *err,
                           size_t errlen)
{
    enqueue_item it;
    enqueue_item_init(&it, qid, question_text, original_answer, created_at);
    pthread_mutex_lock(&b->lock);
    if (b->stopping) {
        pthread_mutex_unlock(&b->lock);
        snprintf(err, errlen, "shutting down");
        return -1;
    }
    if (b->tail) b->tail->next = &it;
    else b->head = &it;
    b->tail = &it;
    pthread_cond_signal(&b->work);
    while (!it.done) pthread_cond_wait(&b->done, &b->lock);
    pthread_mutex_unlock(&b->lock);
    *run = it.run;
    if (it.rc != 0) snprintf(err, errlen, "%s", it.err);
    return it.rc;
}

int enqueue_one(pg_conn *pg, const char *qid, const char *question_text, const char *original_answer,
                const char *created_at, int *run, char *err, size_t errlen)
{
    enqueue_item it;
    enqueue_item_init(&it, qid, question_text, original_answer, created_at);
    enqueue_item *items[1] = { &it };
    enqueue_items(pg, items, 1);
    *run = it.run;
    if (it.rc != 0) snprintf(err, errlen, "%s", it.err);
    return it.rc;
}
