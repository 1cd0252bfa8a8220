/* enqueue.h -- storing asked questions (the one enqueue path of qaflow-storage): a new run of the
 * question (runs.h: the rule) plus its outbox row, in one transaction. Group commit: concurrent POSTs
 * share one transaction; enqueue_one does the same for one question on a given connection. */
#ifndef QAFLOW_STORAGE_ENQUEUE_H
#define QAFLOW_STORAGE_ENQUEUE_H

#include <stddef.h>

#include "pg.h"
#include "prom.h"

typedef struct enqueue_batcher enqueue_batcher;

/* Starts nthreads writer threads, each with its own PostgreSQL connection. A writer takes every
 * request waiting (up to max_batch) and starts their runs in one transaction (runs_start). */
enqueue_batcher *enqueue_batcher_create(const char *dsn, int nthreads, int max_batch, prom_registry *prom,
                                        char *err, size_t errlen);
/* Writers finish what is queued, then stop. NULL-safe. */
void enqueue_batcher_destroy(enqueue_batcher *b);

/* Blocks until the batch holding this request committed. *run = the run this request started (1 for
 * a new question, the next one for a failed question), 0 when the question already existed as
 * pending/completed, or another request of the same batch asked it first. created_at (ISO-8601) is
 * the run's start. Returns 0, or -1 with err when the batch failed (nothing of it was written). */
int enqueue_batcher_submit(enqueue_batcher *b, const char *qid, const char *question_text,
                           const char *original_answer, const char *created_at, int *run, char *err,
                           size_t errlen);

/* The same for a single question on pg, in the caller's thread (no batcher: used when there are no
 * writer threads). *run as for enqueue_batcher_submit. Returns 0, or -1 with err. */
int enqueue_one(pg_conn *pg, const char *qid, const char *question_text, const char *original_answer,
                const char *created_at, int *run, char *err, size_t errlen);

#endif
