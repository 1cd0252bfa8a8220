/* enqueue.h -- storing new questions (the one enqueue path of qaflow-storage): the question as
 * pending plus its outbox row, in one statement. Group commit: concurrent POSTs share one INSERT
 * and one commit; enqueue_one runs the same statement for one question on a given connection. */
#ifndef QAFLOW_STORAGE_ENQUEUE_H
#define QAFLOW_STORAGE_ENQUEUE_H

#include <stddef.h>

#include "pg.h"
#include "prom.h"

typedef struct enqueue_batcher enqueue_batcher;

/* Starts nthreads writer threads, each with its own PostgreSQL connection. A writer takes every
 * request waiting (up to max_batch) and stores them in one statement (one transaction):
 * question rows as pending (a failed one back to pending) plus their outbox rows. */
enqueue_batcher *enqueue_batcher_create(const char *dsn, int nthreads, int max_batch, prom_registry *prom,
                                        char *err, size_t errlen);
/* Writers finish what is queued, then stop. NULL-safe. */
void enqueue_batcher_destroy(enqueue_batcher *b);

/* Blocks until the batch holding this request committed. *enqueued = 1 when this request
 * created (or revived from failed) the question and its outbox row; 0 when the question
 * already existed as pending/completed, or another request of the same batch asked it first.
 * Returns 0, or -1 with err when the batch failed (nothing of it was written). */
int enqueue_batcher_submit(enqueue_batcher *b, const char *qid, const char *question_text,
                           const char *original_answer, const char *created_at, const char *payload,
                           int *enqueued, char *err, size_t errlen);

/* The same statement for a single question on pg, in the caller's thread (no batcher: used when
 * there are no writer threads). *enqueued = 1 when it created (or revived from failed) the question
 * and its outbox row, 0 when it already existed as pending/completed (nothing written).
 * Returns 0, or -1 with err. */
int enqueue_one(pg_conn *pg, const char *qid, const char *question_text, const char *original_answer,
                const char *created_at, const char *payload, int *enqueued, char *err, size_t errlen);

#endif
