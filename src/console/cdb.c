/* cdb.c -- bounded PostgreSQL pool and the console's read-only queries, each answering one JSON document. */
#include "cdb.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "pg.h"

struct cdb {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pg_conn **conns;
    int *busy;
    int n;
    int timeout_ms;
};

char *cdb_dsn_bounded(const char *dsn, int timeout_ms)
{
    int secs = (timeout_ms + 999) / 1000;
    if (secs < 2) secs = 2;   /* libpq's connect_timeout minimum */
    char *out = NULL;
    int uri = strncmp(dsn, "postgresql://", 13) == 0 || strncmp(dsn, "postgres://", 11) == 0;
    int rc;
    if (uri)
        rc = asprintf(&out, "%s%cconnect_timeout=%d&options=-c%%20statement_timeout%%3D%d%%20-c%%20TimeZone%%3DUTC",
                      dsn, strchr(dsn, '?') ? '&' : '?', secs, timeout_ms);
    else
        rc = asprintf(&out, "%s connect_timeout=%d options='-c statement_timeout=%d -c TimeZone=UTC'", dsn, secs,
                      timeout_ms);
    return rc < 0 ? NULL : out;
}

cdb *cdb_create(const char *dsn, int conns, int timeout_ms, int wait_s, char *err, size_t errlen)
{
    cdb *d = calloc(1, sizeof *d);
    char *bounded = cdb_dsn_bounded(dsn, timeout_ms);
    if (!d || !bounded || !(d->conns = calloc((size_t)conns, sizeof *d->conns)) ||
        !(d->busy = calloc((size_t)conns, sizeof *d->busy))) {
        snprintf(err, errlen, "out of memory");
        free(bounded);
        if (d) free(d->conns);
        free(d);
        return NULL;
    }
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    d->timeout_ms = timeout_ms;
    d->n = conns;
    for (int i = 0; i < conns; i++) {
        if (!(d->conns[i] = pg_conn_create(bounded, wait_s > 0 ? wait_s : 1, 1000, err, errlen))) {
            free(bounded);
            cdb_destroy(d);
            return NULL;
        }
    }
    free(bounded);
    return d;
}

void cdb_destroy(cdb *d)
{
    if (!d) return;
    for (int i = 0; i < d->n; i++) pg_conn_destroy(d->conns[i]);
    free(d->conns);
    free(d->busy);
    pthread_cond_destroy(&d->cv);
    pthread_mutex_destroy(&d->mu);
    free(d);
}

/* A free connection (waiting at most timeout_ms), or -1. */
static int cdb_take(cdb *d)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += d->timeout_ms / 1000;
    until.tv_nsec += (long)(d->timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&d->mu);
    int got = -1;
    for (;;) {
        for (int i = 0; i < d->n && got < 0; i++)
            if (!d->busy[i]) got = i;
        if (got >= 0 || pthread_cond_timedwait(&d->cv, &d->mu, &until) == ETIMEDOUT) break;
    }
    if (got >= 0) d->busy[got] = 1;
    pthread_mutex_unlock(&d->mu);
    return got;
}

static void cdb_give(cdb *d, int i)
{
    pthread_mutex_lock(&d->mu);
    d->busy[i] = 0;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

/* Runs sql (one row, one JSON column) and parses it. *empty = 1 when the query gave no row or NULL. */
static json_t *cdb_json(cdb *d, const char *sql, int nparams, const char *const *params, int *empty, char *err,
                        size_t errlen)
{
    *empty = 0;
    int i = cdb_take(d);
    if (i < 0) {
        snprintf(err, errlen, "no free database connection in %d ms", d->timeout_ms);
        return NULL;
    }
    PGresult *r = pg_exec(d->conns[i], sql, nparams, params, err, errlen);
    json_t *out = NULL;
    if (r) {
        if (PQntuples(r) == 0 || PQgetisnull(r, 0, 0)) {
            *empty = 1;
        } else {
            json_error_t je;
            out = json_loads(PQgetvalue(r, 0, 0), JSON_DECODE_ANY, &je);
            if (!out) snprintf(err, errlen, "database JSON: %s", je.text);
        }
        PQclear(r);
    }
    cdb_give(d, i);
    return out;
}

int cdb_counts(cdb *d, json_t **questions, long long *outbox_backlog, char *err, size_t errlen)
{
    static const char sql[] =
        "SELECT json_build_object("
        " 'pending', (SELECT count(*) FROM questions WHERE status = 'pending'),"
        " 'completed', (SELECT count(*) FROM questions WHERE status = 'completed'),"
        " 'failed', (SELECT count(*) FROM questions WHERE status = 'failed'),"
        " 'outbox_backlog', (SELECT count(*) FROM outbox WHERE sent_at IS NULL))";
    int empty;
    json_t *o = cdb_json(d, sql, 0, NULL, &empty, err, errlen);
    if (!o) return -1;
    *outbox_backlog = json_integer_value(json_object_get(o, "outbox_backlog"));
    json_object_del(o, "outbox_backlog");
    *questions = o;
    return 0;
}

static const char journey_sql[] =
    /* the journey of the question's current run (sql/004_runs.sql); earlier runs are listed in 'runs' */
    "WITH q AS (SELECT * FROM questions WHERE question_id = $1),"
    " r AS (SELECT * FROM responses WHERE question_id = $1 AND run = (SELECT run FROM q)),"
    " ev AS ("
    "  SELECT COALESCE((SELECT started_at FROM runs WHERE question_id = $1 AND run = q.run), created_at) AS at,"
    "         0 AS ord, 'storage' AS stage, 'accepted' AS kind, NULL::int AS attempt,"
    "         jsonb_build_object('question_text', question_text, 'run', run) AS detail FROM q"
    "  UNION ALL"
    "  SELECT occurred_at, 1, 'llm', 'llm_error', retry_count + 1,"
    "         jsonb_build_object('error_type', error_type, 'http_status', http_status, 'message', error_message,"
    "                            'delay_ms', delay_applied_ms, 'error_retries', error_retries)"
    "  FROM llm_errors WHERE question_id = $1 AND run = (SELECT run FROM q)"
    "  UNION ALL"
    "  SELECT COALESCE(a.scored_at, a.llm_finished_at, a.llm_started_at), 2, 'scoring', 'attempt', a.attempt_no,"
    "         jsonb_build_object('answer', a.llm_response, 'score', a.bert_score, 'outcome', a.outcome,"
    "                            'model', a.model, 'llm_started_at', a.llm_started_at,"
    "                            'llm_finished_at', a.llm_finished_at, 'scored_at', a.scored_at,"
    "                            'accepted', a.outcome = 'validated',"
    "                            'accepted_below_threshold', a.outcome = 'validated'"
    "                              AND COALESCE((SELECT accepted_below_threshold FROM r), false))"
    "  FROM attempts a WHERE a.question_id = $1 AND a.run = (SELECT run FROM q)"
    "  UNION ALL"
    "  SELECT COALESCE(a.scored_at, a.llm_finished_at), 3, 'flink', 'regeneration', a.attempt_no + 1,"
    "         jsonb_build_object('previous_score', a.bert_score)"
    "  FROM attempts a WHERE a.question_id = $1 AND a.run = (SELECT run FROM q) AND a.outcome = 'low_quality'"
    "  UNION ALL"
    "  SELECT completed_at, 4, 'persistence', 'completed', processing_attempts,"
    "         jsonb_build_object('score', bert_score, 'first_score', first_score,"
    "                            'accepted_below_threshold', accepted_below_threshold,"
    "                            'total_processing_time_ms', total_processing_time_ms) FROM r"
    "  UNION ALL"
    "  SELECT updated_at, 5, COALESCE(failed_stage, 'storage'), 'failed', NULL,"
    "         jsonb_build_object('reason', failed_reason) FROM q WHERE status = 'failed')"
    "SELECT json_build_object("
    " 'question', (SELECT json_build_object('question_id', question_id, 'question_text', question_text,"
    "              'original_answer', original_answer, 'status', status, 'failed_reason', failed_reason,"
    "              'failed_stage', failed_stage, 'created_at', created_at, 'updated_at', updated_at,"
    "              'run', run) FROM q),"
    " 'status', (SELECT status FROM q),"
    " 'runs', COALESCE((SELECT json_agg(json_build_object('run', run, 'status', status, 'failed_reason', failed_reason,"
    "                   'failed_stage', failed_stage, 'started_at', started_at, 'finished_at', finished_at)"
    "                   ORDER BY run) FROM runs WHERE question_id = $1), '[]'),"
    " 'result', (SELECT json_build_object('llm_response', llm_response, 'bert_score', bert_score,"
    "            'first_score', first_score, 'processing_attempts', processing_attempts,"
    "            'accepted_below_threshold', accepted_below_threshold,"
    "            'total_processing_time_ms', total_processing_time_ms, 'model', model,"
    "            'completed_at', completed_at) FROM r),"
    " 'events', COALESCE((SELECT json_agg(jsonb_build_object('at', at, 'stage', stage, 'kind', kind, 'attempt', attempt)"
    "                     || detail ORDER BY at NULLS LAST, attempt NULLS FIRST, ord) FROM ev), '[]'),"
    " 'stages', COALESCE((SELECT json_agg(json_build_object('attempt', attempt_no, 'stage', stage,"
    "                     'duration_ms', duration_ms, 'started_at', started_at, 'finished_at', finished_at)"
    "                     ORDER BY attempt_no, started_at NULLS LAST,"
    "                     array_position(ARRAY['queue','retry_wait','llm','scoring','persistence'], stage))"
    "                     FROM processing_metrics WHERE question_id = $1 AND run = (SELECT run FROM q)), '[]'),"
    " 'time_per_stage', COALESCE((SELECT json_object_agg(stage, ms) FROM (SELECT stage, sum(duration_ms) AS ms"
    "                     FROM processing_metrics WHERE question_id = $1 AND run = (SELECT run FROM q)"
    "                     GROUP BY stage) s), '{}'))"
    " WHERE EXISTS (SELECT 1 FROM q)";

json_t *cdb_question(cdb *d, const char *id, int *status, char *err, size_t errlen)
{
    const char *params[] = { id };
    int empty;
    json_t *o = cdb_json(d, journey_sql, 1, params, &empty, err, errlen);
    if (!o && empty) {
        *status = 404;
        snprintf(err, errlen, "no question '%s'", id);
    } else if (!o) {
        *status = 503;
    }
    return o;
}

json_t *cdb_search(cdb *d, const char *q, const char *status, int limit, char *err, size_t errlen)
{
    static const char sql[] =
        "SELECT COALESCE(json_agg(x ORDER BY x.created_at DESC), '[]') FROM ("
        " SELECT q.question_id, q.question_text, q.status, q.created_at, q.updated_at, r.bert_score,"
        "        r.processing_attempts FROM questions q"
        " LEFT JOIN responses r ON r.question_id = q.question_id AND r.run = q.run"
        " WHERE ($1 = '' OR q.question_id = $1"
        "        OR q.question_text ILIKE '%' || replace(replace(replace($1, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%')"
        "   AND ($2 = '' OR q.status = $2)"
        " ORDER BY q.created_at DESC LIMIT $3::int) x";
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit);
    const char *params[] = { q, status, lim };
    int empty;
    return cdb_json(d, sql, 3, params, &empty, err, errlen);
}

static const char analysis_sql[] =
    "WITH h AS (SELECT * FROM analysis_score_histogram($1::timestamptz, $2::timestamptz))"
    "SELECT json_build_object("
    " 'since', $1::timestamptz, 'until', $2::timestamptz,"
    " 'score_histogram', json_build_object("
    "   'bins', (SELECT COALESCE(json_agg(json_build_object('bin', bin, 'low', bin_low, 'high', bin_high) ORDER BY bin), '[]') FROM h),"
    "   'first', (SELECT COALESCE(json_agg(first_count ORDER BY bin), '[]') FROM h),"
    "   'final', (SELECT COALESCE(json_agg(final_count ORDER BY bin), '[]') FROM h)),"
    " 'throughput', (SELECT COALESCE(json_agg(t ORDER BY t.minute), '[]')"
    "                FROM analysis_throughput($1::timestamptz, $2::timestamptz) t),"
    " 'latency', (SELECT COALESCE(json_agg(json_build_object('stage', stage, 'samples', samples, 'p50', p50_ms,"
    "             'p95', p95_ms, 'p99', p99_ms, 'avg', avg_ms, 'max', max_ms)), '[]')"
    "             FROM analysis_latency($1::timestamptz, $2::timestamptz)),"
    " 'regeneration_per_hour', (SELECT COALESCE(json_agg(t ORDER BY t.hour), '[]')"
    "             FROM analysis_regeneration_per_hour($1::timestamptz, $2::timestamptz) t),"
    " 'errors', (SELECT COALESCE(json_agg(t), '[]') FROM analysis_errors($1::timestamptz, $2::timestamptz) t),"
    " 'attempts', (SELECT COALESCE(json_agg(t ORDER BY t.processing_attempts), '[]')"
    "             FROM analysis_attempts($1::timestamptz, $2::timestamptz) t),"
    " 'summary', (SELECT row_to_json(t) FROM analysis_summary($1::timestamptz, $2::timestamptz) t))";

json_t *cdb_analysis(cdb *d, const char *since, const char *until, int *status, char *err, size_t errlen)
{
    const char *params[] = { since, until };
    int empty;
    json_t *o = cdb_json(d, analysis_sql, 2, params, &empty, err, errlen);
    if (!o) {
        /* 22007/22008: the period is not a timestamp */
        *status = 503;
        if (strstr(err, "invalid input syntax") || strstr(err, "out of range")) *status = 400;
    }
    return o;
}
