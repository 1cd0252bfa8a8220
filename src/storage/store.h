/* store.h -- qaflow-storage's PostgreSQL side: connection pool, lookups, persistence.
 * New questions (question + outbox row) are stored by enqueue.h, the one enqueue path. */
#ifndef QAFLOW_STORAGE_STORE_H
#define QAFLOW_STORAGE_STORE_H

#include <jansson.h>
#include <stddef.h>

#include "msg.h"
#include "pg.h"

typedef struct store store;

/* Opens pool_size connections (retrying for up to wait_s seconds while PostgreSQL starts). */
store *store_create(const char *dsn, int pool_size, int wait_s, char *err, size_t errlen);
void store_destroy(store *s);
/* Borrow a connection, waiting at most the PostgreSQL timeout (pg_get_timeout_ms) for one to be
 * free: NULL when none was; give it back with store_release (NULL-safe). */
pg_conn *store_acquire(store *s);
void store_release(store *s, pg_conn *c);

/* What /health reports of PostgreSQL, answered within about STORE_HEALTH_TIMEOUT_MS whatever the
 * pool and the server do: its own connection and statement timeout; while one check runs, the
 * others get its last answer. outbox_pending -1: down, error says why. */
#define STORE_HEALTH_TIMEOUT_MS 500
typedef struct store_health_info {
    long long outbox_pending;
    double oldest_unsent_s;
    char error[256];
} store_health_info;
store_health_info store_health(store *s);

typedef enum { STORE_ABSENT = 0, STORE_PENDING, STORE_COMPLETED, STORE_FAILED } store_status;

typedef struct store_lookup {
    store_status status;
    char *result_json;      /* completed: the current run's "result" object as JSON text, with its
                             * "run" and the "runs" history (cacheable as is) */
    char *failed_reason;    /* failed */
    char *failed_stage;
    int run;                /* the current (latest) run */
    char *runs_json;        /* every run, oldest first: [{"run":1,"status":"failed",...},...] */
} store_lookup;

int store_lookup_question(pg_conn *c, const char *qid, store_lookup *out, char *err, size_t errlen);
void store_lookup_free(store_lookup *l);

/* What one persisted message did (for logs and metrics). */
typedef struct store_persist_info {
    int applied;        /* the question's current run changed status (completed or failed) */
    int corrected;      /* the run's result was corrected from its stored attempts (best, first_score) */
    int unknown_times;  /* stage or end-to-end times recorded as unknown (NULL): a time was missing */
} store_persist_info;

/* Idempotent sinks (each one transaction; a redelivered message changes nothing). Every row is keyed
 * by the message's run; a message of an older run never changes the question's current status, a
 * completed run is never downgraded (docs/storage.md, "Runs"). */
int store_persist_validated(pg_conn *c, const msg_validated *m, store_persist_info *info, char *err,
                            size_t errlen);
int store_persist_low_quality(pg_conn *c, const msg_low_quality *m, store_persist_info *info, char *err,
                              size_t errlen);
int store_persist_failed(pg_conn *c, const msg_failed *m, store_persist_info *info, char *err, size_t errlen);

/* The seed's /metrics numbers: total_responses, average_score, attempts_distribution, plus
 * questions by status and outbox_pending. Returns a new object or NULL + err. */
json_t *store_metrics(pg_conn *c, char *err, size_t errlen);

/* Unsent outbox rows (for /health and metrics); -1 on error. *oldest_s (may be NULL) gets the
 * age in seconds of the oldest unsent row (0 when none). */
long long store_outbox_pending(pg_conn *c, double *oldest_s, char *err, size_t errlen);

#endif
