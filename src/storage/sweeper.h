/* sweeper.h -- no question stays pending forever: re-enqueues a run stuck without progress as a new run, at most N times, then fails it. */
#ifndef QAFLOW_STORAGE_SWEEPER_H
#define QAFLOW_STORAGE_SWEEPER_H

#include <stddef.h>

#include "pg.h"
#include "prom.h"

typedef struct sweeper_opts {
    const char *pg_dsn;
    int interval_s;      /* a sweep this often */
    int stuck_after_s;   /* a pending run with no progress (start, LLM error, attempt) for this long is stuck */
    int max_requeues;    /* re-enqueues of a question in a row before it fails with reason 'stuck' */
    int batch;           /* stuck runs handled per sweep at most */
    prom_registry *prom;
} sweeper_opts;

typedef struct sweeper sweeper;

/* Starts the sweeper's thread (its own PostgreSQL connection). NULL + err on failure. */
sweeper *sweeper_create(const sweeper_opts *o, char *err, size_t errlen);
/* Stops the thread (waits for a sweep in progress) and frees everything. NULL-safe. */
void sweeper_destroy(sweeper *s);

/* One sweep now on pg (for tests and the thread): re-enqueues or fails each stuck run. Returns the
 * number of runs handled, or -1 with err. */
int sweeper_sweep(pg_conn *pg, const sweeper_opts *o, int *requeued, int *failed, char *err, size_t errlen);

#endif
