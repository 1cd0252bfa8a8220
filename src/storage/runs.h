/* runs.h -- starting a run of a question: the one rule (first ask, re-ask after failure, re-enqueue of a
 * stuck run) and the run's questions-pending message, written to the outbox in the same transaction. */
#ifndef QAFLOW_STORAGE_RUNS_H
#define QAFLOW_STORAGE_RUNS_H

#include <stddef.h>

#include "pg.h"

typedef struct runs_request {
    const char *question_id;
    const char *question_text;   /* NULL: keep the stored one (only with stuck_run) */
    const char *original_answer; /* NULL: keep the stored one (only with stuck_run) */
    const char *at;              /* ISO-8601: the run's start, the message's timestamp and created_at */
    int stuck_run;               /* 0: start a run when the question is new (run 1) or failed (next run);
                                  * N > 0: start the next run only while it is still pending in run N */
    int run;                     /* out: the run started, 0 when none was */
} runs_request;

/* Applies the rule (SQL function qaflow_start_run, sql/004_runs.sql) to reqs[0..n) in one transaction
 * on pg: each question that starts a run gets its questions row updated, a runs row, and an outbox row
 * with its questions-pending message (retry_count 0, error_retries 0, the new run). Requests for the
 * same question in one call: the first one decides. Returns 0 (each req->run set), or -1 with err and
 * nothing written (every req->run 0). */
int runs_start(pg_conn *pg, runs_request *reqs, int n, char *err, size_t errlen);

#endif
