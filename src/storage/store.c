/* store.c -- qaflow-storage's SQL: pooled connections, lookups, idempotent sinks (enqueue: enqueue.c). */
#include "store.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "log.h"

struct store {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pg_conn **free_conns;
    int nfree;
    pg_conn **all;
    int n;
    /* /health's own connection (never waits for the pool), one check at a time; the others get
     * the last answer */
    pthread_mutex_t health_lock;
    pg_conn *health;
    char *dsn;
    store_health_info last_health;
};

store *store_create(const char *dsn, int pool_size, int wait_s, char *err, size_t errlen)
{
    store *s = calloc(1, sizeof *s);
    if (!s) goto oom;
    if (pool_size < 1) pool_size = 1;
    s->all = calloc((size_t)pool_size, sizeof *s->all);
    s->free_conns = calloc((size_t)pool_size, sizeof *s->free_conns);
    if (!s->all || !s->free_conns) goto oom;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    pthread_mutex_init(&s->health_lock, NULL);
    if (!(s->dsn = strdup(dsn ? dsn : "")))
        goto oom_locks;
    for (int i = 0; i < pool_size; i++) {
        pg_conn *c = pg_conn_create(dsn, i == 0 ? (wait_s > 0 ? wait_s : 1) : 3, 1000, err, errlen);
        if (!c) {
            store_destroy(s);
            return NULL;
        }
        s->all[s->n++] = c;
        s->free_conns[s->nfree++] = c;
    }
    return s;
oom_locks:
    store_destroy(s);
    snprintf(err, errlen, "out of memory");
    return NULL;
oom:
    if (s) {
        free(s->all);
        free(s->free_conns);
        free(s);
    }
    snprintf(err, errlen, "out of memory");
    return NULL;
}

void store_destroy(store *s)
{
    if (!s) return;
    for (int i = 0; i < s->n; i++) pg_conn_destroy(s->all[i]);
    pg_conn_destroy(s->health);
    free(s->all);
    free(s->free_conns);
    free(s->dsn);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->health_lock);
    free(s);
}

pg_conn *store_acquire(store *s)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    int64_t ns = until.tv_nsec + (int64_t)pg_get_timeout_ms() * 1000000;
    until.tv_sec += ns / 1000000000;
    until.tv_nsec = ns % 1000000000;
    pthread_mutex_lock(&s->lock);
    while (s->nfree == 0)
        if (pthread_cond_timedwait(&s->cond, &s->lock, &until) == ETIMEDOUT && s->nfree == 0) {
            pthread_mutex_unlock(&s->lock);
            return NULL;
        }
    pg_conn *c = s->free_conns[--s->nfree];
    pthread_mutex_unlock(&s->lock);
    return c;
}

store_health_info store_health(store *s)
{
    store_health_info h;
    if (pthread_mutex_trylock(&s->health_lock) != 0) {
        pthread_mutex_lock(&s->lock); /* last_health is written under both locks */
        h = s->last_health;
        pthread_mutex_unlock(&s->lock);
        return h;
    }
    memset(&h, 0, sizeof h);
    h.outbox_pending = -1;
    if (!s->health)
        s->health = pg_conn_create_timeout(s->dsn, 1, 0, STORE_HEALTH_TIMEOUT_MS, h.error, sizeof h.error);
    if (s->health && pg_conn_check(s->health))
        h.outbox_pending = store_outbox_pending(s->health, &h.oldest_unsent_s, h.error, sizeof h.error);
    else if (s->health)
        snprintf(h.error, sizeof h.error, "no connection within %d ms", STORE_HEALTH_TIMEOUT_MS);
    pthread_mutex_lock(&s->lock);
    s->last_health = h;
    pthread_mutex_unlock(&s->lock);
    pthread_mutex_unlock(&s->health_lock);
    return h;
}

void store_release(store *s, pg_conn *c)
{
    if (!c) return;
    pg_rollback(c); /* never hand out a connection inside a transaction */
    pthread_mutex_lock(&s->lock);
    s->free_conns[s->nfree++] = c;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

/* ISO-8601 UTC with milliseconds, as every qaflow timestamp. */
#define ISO(col) "to_char((" col ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

static const char *const SQL_LOOKUP =
    "SELECT q.status, q.failed_reason, q.failed_stage, "
    "  CASE WHEN r.question_id IS NULL THEN NULL ELSE json_build_object("
    "    'question_id', r.question_id, 'question_text', r.question_text,"
    "    'llm_response', r.llm_response, 'original_answer', r.original_answer,"
    "    'bert_score', r.bert_score, 'processing_attempts', r.processing_attempts,"
    "    'total_processing_time_ms', r.total_processing_time_ms,"
    "    'accepted_below_threshold', r.accepted_below_threshold, 'first_score', r.first_score,"
    "    'model', r.model, 'created_at', " ISO("r.created_at") ","
    "    'completed_at', " ISO("r.completed_at") ")::text END "
    "FROM questions q LEFT JOIN responses r ON r.question_id = q.question_id "
    "WHERE q.question_id = $1";

int store_lookup_question(pg_conn *c, const char *qid, store_lookup *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *params[1] = { qid };
    PGresult *r = pg_exec_prepared(c, "qf_lookup", SQL_LOOKUP, 1, params, err, errlen);
    if (!r) return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 0;
    }
    const char *st = PQgetvalue(r, 0, 0);
    int ok = 1;
    if (strcmp(st, "completed") == 0 && !PQgetisnull(r, 0, 3)) {
        out->status = STORE_COMPLETED;
        /* re-serialise compactly (json_build_object pads with spaces), keeping key order */
        const char *raw = PQgetvalue(r, 0, 3);
        json_error_t je;
        json_t *v = json_loads(raw, 0, &je);
        out->result_json = v ? json_dump_compact(v) : strdup(raw);
        json_decref(v);
        ok = out->result_json != NULL;
    } else if (strcmp(st, "failed") == 0) {
        out->status = STORE_FAILED;
        out->failed_reason = strdup(PQgetisnull(r, 0, 1) ? "" : PQgetvalue(r, 0, 1));
        out->failed_stage = strdup(PQgetisnull(r, 0, 2) ? "" : PQgetvalue(r, 0, 2));
        ok = out->failed_reason && out->failed_stage;
    } else {
        out->status = STORE_PENDING;
    }
    PQclear(r);
    if (!ok) {
        store_lookup_free(out);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

void store_lookup_free(store_lookup *l)
{
    free(l->result_json);
    free(l->failed_reason);
    free(l->failed_stage);
    memset(l, 0, sizeof *l);
}

/* Per-stage timings of one attempt; every row only once (ON CONFLICT DO NOTHING).
 * $1 qid, $2 attempt_no, $3 llm_started_at, $4 llm_finished_at, $5 scored_at, $6 created_at.
 * queue: from acceptance (attempt 1) or the previous attempt's scoring to the LLM start, minus
 * the transport-retry delays of this attempt (retry_wait, from llm_errors). */
static const char *const SQL_STAGE_METRICS =
    "WITH w AS ("
    "  SELECT COALESCE(sum(delay_applied_ms), 0)::bigint AS ms FROM llm_errors"
    "  WHERE question_id = $1 AND retry_count = $2::int - 1 AND error_type IN ('overload', 'quota')),"
    " qs AS ("
    "  SELECT CASE WHEN $2::int = 1 THEN $6::timestamptz ELSE"
    "    (SELECT scored_at FROM attempts WHERE question_id = $1 AND attempt_no = $2::int - 1) END AS t),"
    " s(stage, st, fin, ms) AS ("
    "  SELECT 'queue', qs.t, $3::timestamptz,"
    "         GREATEST(0, round(extract(epoch FROM $3::timestamptz - qs.t) * 1000) - w.ms) FROM qs, w"
    "  UNION ALL SELECT 'retry_wait', NULL::timestamptz, NULL::timestamptz, w.ms FROM w WHERE w.ms > 0"
    "  UNION ALL SELECT 'llm', $3::timestamptz, $4::timestamptz,"
    "         GREATEST(0, round(extract(epoch FROM $4::timestamptz - $3::timestamptz) * 1000))"
    "  UNION ALL SELECT 'scoring', $4::timestamptz, $5::timestamptz,"
    "         GREATEST(0, round(extract(epoch FROM $5::timestamptz - $4::timestamptz) * 1000))"
    "  UNION ALL SELECT 'persistence', $5::timestamptz, now(),"
    "         GREATEST(0, round(extract(epoch FROM now() - $5::timestamptz) * 1000)))"
    "INSERT INTO processing_metrics (question_id, attempt_no, stage, duration_ms, started_at, finished_at) "
    "SELECT $1, $2::int, stage, ms::bigint, st, fin FROM s "
    "WHERE ms IS NOT NULL AND (stage = 'retry_wait' OR (st IS NOT NULL AND fin IS NOT NULL)) "
    "ON CONFLICT DO NOTHING";

static int stage_metrics(pg_conn *c, const char *qid, int attempt_no, const char *started,
                         const char *finished, const char *scored, const char *created,
                         char *err, size_t errlen)
{
    char att[16];
    snprintf(att, sizeof att, "%d", attempt_no);
    const char *params[6] = { qid, att, started, finished, scored, created };
    return pg_exec_cmd(c, SQL_STAGE_METRICS, 6, params, err, errlen);
}

static const char *const SQL_ATTEMPT =
    "INSERT INTO attempts (question_id, attempt_no, llm_response, bert_score, outcome, model,"
    " llm_started_at, llm_finished_at, scored_at) "
    "VALUES ($1, $2::int, $3, $4::double precision, $5, $6, $7::timestamptz, $8::timestamptz, $9::timestamptz) "
    "ON CONFLICT (question_id, attempt_no) DO NOTHING";

static int insert_attempt(pg_conn *c, const char *qid, int attempt_no, const char *resp, double score,
                          const char *outcome, const char *model, const char *started,
                          const char *finished, const char *scored, char *err, size_t errlen)
{
    char att[16], sc[32];
    snprintf(att, sizeof att, "%d", attempt_no);
    snprintf(sc, sizeof sc, "%.17g", score);
    const char *params[9] = { qid, att, resp, sc, outcome, model, started, finished, scored };
    return pg_exec_cmd(c, SQL_ATTEMPT, 9, params, err, errlen);
}

static const char *const SQL_VALIDATED_QUESTION =
    "INSERT INTO questions (question_id, question_text, original_answer, status, created_at, updated_at) "
    "VALUES ($1, $2, $3, 'completed', COALESCE($4::timestamptz, now()), now()) "
    "ON CONFLICT (question_id) DO UPDATE SET status = 'completed', failed_reason = NULL,"
    " failed_stage = NULL, updated_at = now() WHERE questions.status <> 'completed'";

static const char *const SQL_VALIDATED_RESPONSE =
    "INSERT INTO responses (question_id, question_text, llm_response, original_answer, bert_score,"
    " processing_attempts, total_processing_time_ms, accepted_below_threshold, first_score, model,"
    " created_at, completed_at) "
    "VALUES ($1, $2, $3, $4, $5::double precision, $6::int, $7::bigint, $8::boolean,"
    " $9::double precision, $10, $11::timestamptz, COALESCE($12::timestamptz, now())) "
    "ON CONFLICT (question_id) DO NOTHING";

int store_persist_validated(pg_conn *c, const msg_validated *m, char *err, size_t errlen)
{
    char score[32], first[32], att[16], total[32];
    snprintf(score, sizeof score, "%.17g", m->bert_score);
    snprintf(first, sizeof first, "%.17g", m->first_score);
    snprintf(att, sizeof att, "%d", m->processing_attempts);
    snprintf(total, sizeof total, "%lld", m->total_processing_time_ms);
    int below = m->has_accepted_below_threshold && m->accepted_below_threshold;
    if (pg_begin(c, err, errlen) != 0) return -1;
    const char *qp[4] = { m->question_id, m->question_text, m->original_answer, m->created_at };
    if (pg_exec_cmd(c, SQL_VALIDATED_QUESTION, 4, qp, err, errlen) != 0) goto fail;
    const char *rp[12] = { m->question_id, m->question_text, m->llm_response, m->original_answer, score,
                           att, total, below ? "true" : "false", m->has_first_score ? first : NULL,
                           m->model, m->created_at, m->timestamp };
    if (pg_exec_cmd(c, SQL_VALIDATED_RESPONSE, 12, rp, err, errlen) != 0) goto fail;
    /* The accepted attempt is the last one, unless it was accepted below the threshold: then
     * every attempt (this one included) arrives on low-quality-responses. */
    if (!below && m->processing_attempts >= 1) {
        if (insert_attempt(c, m->question_id, m->processing_attempts, m->llm_response, m->bert_score,
                           "validated", m->model, m->llm_started_at, m->llm_finished_at, m->scored_at,
                           err, errlen) != 0)
            goto fail;
        if (stage_metrics(c, m->question_id, m->processing_attempts, m->llm_started_at,
                          m->llm_finished_at, m->scored_at, m->created_at, err, errlen) != 0)
            goto fail;
    }
    return pg_commit(c, err, errlen);
fail:
    pg_rollback(c);
    return -1;
}

int store_persist_low_quality(pg_conn *c, const msg_low_quality *m, char *err, size_t errlen)
{
    int attempt_no = m->retry_count + 1;
    if (pg_begin(c, err, errlen) != 0) return -1;
    if (insert_attempt(c, m->question_id, attempt_no, m->llm_response, m->bert_score, "low_quality",
                       m->model, m->llm_started_at, m->llm_finished_at, m->scored_at, err, errlen) != 0)
        goto fail;
    if (stage_metrics(c, m->question_id, attempt_no, m->llm_started_at, m->llm_finished_at,
                      m->scored_at, m->created_at, err, errlen) != 0)
        goto fail;
    return pg_commit(c, err, errlen);
fail:
    pg_rollback(c);
    return -1;
}

static const char *const SQL_FAILED_QUESTION =
    "UPDATE questions SET status = 'failed', failed_reason = $2, failed_stage = $3, updated_at = now() "
    "WHERE question_id = $1 AND status = 'pending'";

static const char *const SQL_FATAL_ERROR =
    "INSERT INTO llm_errors (question_id, error_type, http_status, error_message, retry_count,"
    " error_retries, delay_applied_ms, occurred_at) "
    "VALUES ($1, 'fatal', $2::int, $3, $4::int, $5::int, NULL, $6::timestamptz) "
    "ON CONFLICT (question_id, retry_count, error_retries, error_type) DO NOTHING";

int store_persist_failed(pg_conn *c, const msg_failed *m, int *applied, char *err, size_t errlen)
{
    *applied = 0;
    if (pg_begin(c, err, errlen) != 0) return -1;
    const char *qp[3] = { m->question_id, m->reason, m->stage };
    PGresult *r = pg_exec(c, SQL_FAILED_QUESTION, 3, qp, err, errlen);
    if (!r) goto fail;
    *applied = atoi(PQcmdTuples(r)) > 0;
    PQclear(r);
    if (strcmp(m->stage, "llm") == 0 && m->has_http_status) {
        char st[16], rc[16], er[16];
        snprintf(st, sizeof st, "%d", m->http_status);
        snprintf(rc, sizeof rc, "%d", m->retry_count);
        snprintf(er, sizeof er, "%d", m->error_retries);
        const char *ep[6] = { m->question_id, st, m->reason, rc, er, m->timestamp };
        if (pg_exec_cmd(c, SQL_FATAL_ERROR, 6, ep, err, errlen) != 0) goto fail;
    }
    return pg_commit(c, err, errlen);
fail:
    pg_rollback(c);
    *applied = 0;
    return -1;
}

static const char *const SQL_METRICS =
    "SELECT (SELECT count(*) FROM responses),"
    "       (SELECT avg(bert_score) FROM responses),"
    "       (SELECT COALESCE(json_object_agg(processing_attempts, n ORDER BY processing_attempts), '{}')::text"
    "          FROM (SELECT processing_attempts, count(*) AS n FROM responses GROUP BY 1) d),"
    "       (SELECT count(*) FROM questions WHERE status = 'pending'),"
    "       (SELECT count(*) FROM questions WHERE status = 'completed'),"
    "       (SELECT count(*) FROM questions WHERE status = 'failed'),"
    "       (SELECT count(*) FROM outbox WHERE sent_at IS NULL),"
    "       (SELECT count(*) FROM responses WHERE processing_attempts > 1),"
    "       (SELECT avg(bert_score - first_score) FROM responses"
    "          WHERE processing_attempts > 1 AND first_score IS NOT NULL)";

json_t *store_metrics(pg_conn *c, char *err, size_t errlen)
{
    PGresult *r = pg_exec(c, SQL_METRICS, 0, NULL, err, errlen);
    if (!r) return NULL;
    json_error_t je;
    json_t *dist = json_loads(PQgetvalue(r, 0, 2), 0, &je);
    json_t *o = json_pack("{s:I,s:o,s:o,s:{s:I,s:I,s:I},s:I,s:{s:I,s:o}}",
                          "total_responses", (json_int_t)atoll(PQgetvalue(r, 0, 0)),
                          "average_score", PQgetisnull(r, 0, 1) ? json_null() : json_real(atof(PQgetvalue(r, 0, 1))),
                          "attempts_distribution", dist ? dist : json_object(),
                          "questions", "pending", (json_int_t)atoll(PQgetvalue(r, 0, 3)),
                          "completed", (json_int_t)atoll(PQgetvalue(r, 0, 4)),
                          "failed", (json_int_t)atoll(PQgetvalue(r, 0, 5)),
                          "outbox_pending", (json_int_t)atoll(PQgetvalue(r, 0, 6)),
                          "regeneration", "regenerated", (json_int_t)atoll(PQgetvalue(r, 0, 7)),
                          "avg_score_improvement",
                          PQgetisnull(r, 0, 8) ? json_null() : json_real(atof(PQgetvalue(r, 0, 8))));
    PQclear(r);
    if (!o) snprintf(err, errlen, "cannot build metrics");
    return o;
}

long long store_outbox_pending(pg_conn *c, double *oldest_s, char *err, size_t errlen)
{
    PGresult *r = pg_exec(c, "SELECT count(*), COALESCE(extract(epoch FROM now() - min(created_at)), 0) "
                             "FROM outbox WHERE sent_at IS NULL", 0, NULL, err, errlen);
    if (!r) return -1;
    long long n = atoll(PQgetvalue(r, 0, 0));
    if (oldest_s) *oldest_s = atof(PQgetvalue(r, 0, 1));
    PQclear(r);
    return n;
}
