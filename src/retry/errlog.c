/* errlog.c -- records each LLM error event in PostgreSQL table llm_errors (idempotent upsert). */
#include "errlog.h"

#include <stdio.h>
#include <stdlib.h>

#include "pg.h"

struct errlog {
    pg_conn *pg;
};

static const char errlog_sql[] =
    "INSERT INTO llm_errors (question_id, run, error_type, http_status, error_message, retry_count, "
    "error_retries, delay_applied_ms, occurred_at) "
    "VALUES ($1, $9::integer, $2, $3::integer, $4, $5::integer, $6::integer, $7::bigint, "
    "COALESCE($8::timestamptz, now())) "
    "ON CONFLICT (question_id, run, retry_count, error_retries, error_type) DO UPDATE SET "
    "http_status = EXCLUDED.http_status, error_message = EXCLUDED.error_message, "
    "delay_applied_ms = EXCLUDED.delay_applied_ms, occurred_at = EXCLUDED.occurred_at";

errlog *errlog_create(const char *dsn, char *err, size_t errlen)
{
    errlog *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    l->pg = pg_conn_create(dsn, 10, 500, err, errlen);
    if (!l->pg) {
        free(l);
        return NULL;
    }
    return l;
}

void errlog_destroy(errlog *l)
{
    if (!l)
        return;
    pg_conn_destroy(l->pg);
    free(l);
}

int errlog_write(errlog *l, const msg_error *e, const char *error_type, int64_t delay_ms,
                 char *err, size_t errlen)
{
    char status[16], rc[16], er[16], delay[32], run[16];
    snprintf(status, sizeof status, "%d", e->http_status);
    snprintf(rc, sizeof rc, "%d", e->retry_count);
    snprintf(er, sizeof er, "%d", e->error_retries);
    snprintf(delay, sizeof delay, "%lld", (long long)delay_ms);
    snprintf(run, sizeof run, "%d", e->run);
    const char *params[9] = {
        e->question_id,
        error_type, /* the topic it came from decides the type (CHECK constraint) */
        e->has_http_status && e->http_status > 0 ? status : NULL, /* 0 = no HTTP answer */
        e->error_message,
        rc,
        er,
        delay_ms >= 0 ? delay : NULL,
        e->timestamp,
        run,
    };
    return pg_exec_cmd(l->pg, errlog_sql, 9, params, err, errlen);
}
