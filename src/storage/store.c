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

/* The history of a question's runs (JSON array text), oldest first. */
#define RUNS_JSON(qid)                                                                                  \
    "(SELECT json_agg(json_strip_nulls(json_build_object('run', h.run, 'status', h.status,"            \
    "   'started_at', " ISO("h.started_at") ", 'finished_at', " ISO("h.finished_at") ","                \
    "   'bert_score', hr.bert_score, 'reason', h.failed_reason, 'stage', h.failed_stage)) ORDER BY h.run)" \
    " FROM runs h LEFT JOIN responses hr ON hr.question_id = h.question_id AND hr.run = h.run"          \
    " WHERE h.question_id = " qid ")"

/* The current run's status and result; the result (cacheable) carries its run and the runs' history. */
static const char *const SQL_LOOKUP =
    "SELECT q.status, q.failed_reason, q.failed_stage, "
    "  CASE WHEN r.question_id IS NULL THEN NULL ELSE json_build_object("
    "    'question_id', r.question_id, 'question_text', r.question_text,"
    "    'llm_response', r.llm_response, 'original_answer', r.original_answer,"
    "    'bert_score', r.bert_score, 'processing_attempts', r.processing_attempts,"
    "    'total_processing_time_ms', r.total_processing_time_ms,"
    "    'accepted_below_threshold', r.accepted_below_threshold, 'first_score', r.first_score,"
    "    'model', r.model, 'created_at', " ISO("r.created_at") ","
    "    'completed_at', " ISO("r.completed_at") ", 'run', r.run, 'runs', " RUNS_JSON("q.question_id") ")::text END, "
    "  q.run, " RUNS_JSON("q.question_id") "::text "
    "FROM questions q LEFT JOIN responses r ON r.question_id = q.question_id AND r.run = q.run "
    "WHERE q.question_id = $1";

int store_lookup_question(pg_conn *c, const char *qid, store_lookup *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *params[1] = { qid };
    PGresult *r = pg_exec_prepared(c, "qf_lookup_runs", SQL_LOOKUP, 1, params, err, errlen);
    if (!r) return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 0;
    }
    const char *st = PQgetvalue(r, 0, 0);
    int ok = 1;
    out->run = atoi(PQgetvalue(r, 0, 4));
    if (!PQgetisnull(r, 0, 5)) {
        out->runs_json = strdup(PQgetvalue(r, 0, 5));
        ok = out->runs_json != NULL;
    }
    if (strcmp(st, "completed") == 0 && !PQgetisnull(r, 0, 3)) {
        out->status = STORE_COMPLETED;
        /* re-serialise compactly (json_build_object pads with spaces), keeping key order */
        const char *raw = PQgetvalue(r, 0, 3);
        json_error_t je;
        json_t *v = json_loads(raw, 0, &je);
        out->result_json = v ? json_dump_compact(v) : strdup(raw);
        json_decref(v);
        ok = ok && out->result_json != NULL;
    } else if (strcmp(st, "failed") == 0) {
        out->status = STORE_FAILED;
        out->failed_reason = strdup(PQgetisnull(r, 0, 1) ? "" : PQgetvalue(r, 0, 1));
        out->failed_stage = strdup(PQgetisnull(r, 0, 2) ? "" : PQgetvalue(r, 0, 2));
        ok = ok && out->failed_reason && out->failed_stage;
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
    free(l->runs_json);
    memset(l, 0, sizeof *l);
}

/* Per-stage timings of one attempt of a run; every row only once (ON CONFLICT DO NOTHING). A stage
 * whose start or end time is not known gets duration_ms NULL (never a substitute); the statement
 * returns how many such rows it wrote.
 * $1 qid, $2 attempt_no, $3 llm_started_at, $4 llm_finished_at, $5 scored_at, $6 created_at, $7 run.
 * queue: from the run's start (attempt 1) or the previous attempt's scoring to the LLM start, minus
 * the transport-retry delays of this attempt (retry_wait, from llm_errors). */
static const char *const SQL_STAGE_METRICS =
    "WITH w AS ("
    "  SELECT COALESCE(sum(delay_applied_ms), 0)::bigint AS ms FROM llm_errors"
    "  WHERE question_id = $1 AND run = $7::int AND retry_count = $2::int - 1"
    "    AND error_type IN ('overload', 'quota')),"
    " qs AS ("
    "  SELECT CASE WHEN $2::int = 1 THEN $6::timestamptz ELSE"
    "    (SELECT scored_at FROM attempts WHERE question_id = $1 AND run = $7::int AND attempt_no = $2::int - 1)"
    "  END AS t),"
    " s(stage, st, fin, minus) AS ("
    "  SELECT 'queue', qs.t, $3::timestamptz, w.ms FROM qs, w"
    "  UNION ALL SELECT 'llm', $3::timestamptz, $4::timestamptz, 0"
    "  UNION ALL SELECT 'scoring', $4::timestamptz, $5::timestamptz, 0"
    "  UNION ALL SELECT 'persistence', $5::timestamptz, now(), 0),"
    " ins AS ("
    "  INSERT INTO processing_metrics (question_id, run, attempt_no, stage, duration_ms, started_at, finished_at)"
    "  SELECT $1, $7::int, $2::int, stage,"
    "         CASE WHEN st IS NULL OR fin IS NULL THEN NULL"
    "              ELSE GREATEST(0, round(extract(epoch FROM fin - st) * 1000) - minus)::bigint END, st, fin FROM s"
    "  UNION ALL SELECT $1, $7::int, $2::int, 'retry_wait', w.ms, NULL, NULL FROM w WHERE w.ms > 0"
    "  ON CONFLICT DO NOTHING RETURNING duration_ms)"
    "SELECT count(*) FILTER (WHERE duration_ms IS NULL) FROM ins";

static int stage_metrics(pg_conn *c, const char *qid, int run, int attempt_no, const char *started,
                         const char *finished, const char *scored, const char *created, int *unknown,
                         char *err, size_t errlen)
{
    char att[16], rn[16];
    snprintf(att, sizeof att, "%d", attempt_no);
    snprintf(rn, sizeof rn, "%d", run);
    const char *params[7] = { qid, att, started, finished, scored, created, rn };
    PGresult *r = pg_exec(c, SQL_STAGE_METRICS, 7, params, err, errlen);
    if (!r) return -1;
    *unknown += atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

static const char *const SQL_ATTEMPT =
    "INSERT INTO attempts (question_id, run, attempt_no, llm_response, bert_score, outcome, model,"
    " llm_started_at, llm_finished_at, scored_at) "
    "VALUES ($1, $10::int, $2::int, $3, $4::double precision, $5, $6, $7::timestamptz, $8::timestamptz,"
    " $9::timestamptz) "
    "ON CONFLICT (question_id, run, attempt_no) DO NOTHING";

static int insert_attempt(pg_conn *c, const char *qid, int run, int attempt_no, const char *resp, double score,
                          const char *outcome, const char *model, const char *started,
                          const char *finished, const char *scored, char *err, size_t errlen)
{
    char att[16], sc[32], rn[16];
    snprintf(att, sizeof att, "%d", attempt_no);
    snprintf(sc, sizeof sc, "%.17g", score);
    snprintf(rn, sizeof rn, "%d", run);
    const char *params[10] = { qid, att, resp, sc, outcome, model, started, finished, scored, rn };
    return pg_exec_cmd(c, SQL_ATTEMPT, 10, params, err, errlen);
}

/* The best stays the best: a run's result is the best of its stored attempts (ties keep the earlier)
 * and first_score its first attempt's, whatever the job still knew when it reported the result.
 * Runs after every write of a run's attempt or result; returns the rows it corrected (0 or 1).
 * $1 qid, $2 run. */
static const char *const SQL_CORRECT =
    "WITH b AS (SELECT llm_response, bert_score, model FROM attempts WHERE question_id = $1 AND run = $2::int"
    "           ORDER BY bert_score DESC, attempt_no LIMIT 1),"
    " f AS (SELECT bert_score FROM attempts WHERE question_id = $1 AND run = $2::int AND attempt_no = 1) "
    "UPDATE responses r SET"
    "  llm_response = CASE WHEN b.bert_score > r.bert_score THEN b.llm_response ELSE r.llm_response END,"
    "  model = CASE WHEN b.bert_score > r.bert_score THEN b.model ELSE r.model END,"
    "  bert_score = GREATEST(r.bert_score, b.bert_score),"
    "  first_score = COALESCE((SELECT bert_score FROM f), r.first_score) "
    "FROM b WHERE r.question_id = $1 AND r.run = $2::int"
    "  AND (b.bert_score > r.bert_score"
    "       OR (EXISTS (SELECT 1 FROM f) AND r.first_score IS DISTINCT FROM (SELECT bert_score FROM f)))";

static int correct_result(pg_conn *c, const char *qid, int run, int *corrected, char *err, size_t errlen)
{
    char rn[16];
    snprintf(rn, sizeof rn, "%d", run);
    const char *params[2] = { qid, rn };
    PGresult *r = pg_exec(c, SQL_CORRECT, 2, params, err, errlen);
    if (!r) return -1;
    *corrected = atoi(PQcmdTuples(r)) > 0;
    PQclear(r);
    return 0;
}

/* The question row moves to completed only for its current run (a result of an older run is kept
 * for that run alone); an unknown question is created in the message's run. */
static const char *const SQL_VALIDATED_QUESTION =
    "INSERT INTO questions (question_id, question_text, original_answer, status, run, created_at, updated_at) "
    "VALUES ($1, $2, $3, 'completed', $5::int, COALESCE($4::timestamptz, now()), now()) "
    "ON CONFLICT (question_id) DO UPDATE SET status = 'completed', failed_reason = NULL,"
    " failed_stage = NULL, updated_at = now() "
    "WHERE questions.run = EXCLUDED.run AND questions.status <> 'completed'";

/* The run's record: completed is final (pending and failed move to it), except for a failed run that a
 * later run replaced (a run the sweeper re-enqueued, or one asked again): it stays failed, so a late result
 * of a run that was only slow does not give the question a second final result. */
static const char *const SQL_VALIDATED_RUN =
    "INSERT INTO runs (question_id, run, status, started_at, finished_at) "
    "VALUES ($1, $2::int, 'completed', COALESCE($3::timestamptz, now()), now()) "
    "ON CONFLICT (question_id, run) DO UPDATE SET status = 'completed', failed_reason = NULL,"
    " failed_stage = NULL, finished_at = now() WHERE runs.status = 'pending' OR (runs.status = 'failed'"
    " AND NOT EXISTS (SELECT 1 FROM questions q WHERE q.question_id = runs.question_id AND q.run > runs.run))";

/* A result is stored only for a completed run (see SQL_VALIDATED_RUN, run just before in the transaction). */
static const char *const SQL_VALIDATED_RESPONSE =
    "INSERT INTO responses (question_id, run, question_text, llm_response, original_answer, bert_score,"
    " processing_attempts, total_processing_time_ms, accepted_below_threshold, first_score, model,"
    " created_at, completed_at) "
    "SELECT $1, $13::int, $2, $3, $4, $5::double precision, $6::int, $7::bigint, $8::boolean,"
    " $9::double precision, $10, $11::timestamptz, COALESCE($12::timestamptz, now()) "
    "WHERE EXISTS (SELECT 1 FROM runs WHERE question_id = $1 AND run = $13::int AND status = 'completed') "
    "ON CONFLICT (question_id, run) DO NOTHING";

int store_persist_validated(pg_conn *c, const msg_validated *m, store_persist_info *info, char *err,
                            size_t errlen)
{
    memset(info, 0, sizeof *info);
    char score[32], first[32], att[16], total[32], rn[16];
    snprintf(score, sizeof score, "%.17g", m->bert_score);
    snprintf(first, sizeof first, "%.17g", m->first_score);
    snprintf(att, sizeof att, "%d", m->processing_attempts);
    snprintf(total, sizeof total, "%lld", m->total_processing_time_ms);
    snprintf(rn, sizeof rn, "%d", m->run);
    int below = m->has_accepted_below_threshold && m->accepted_below_threshold;
    if (pg_begin(c, err, errlen) != 0) return -1;
    const char *qp[5] = { m->question_id, m->question_text, m->original_answer, m->created_at, rn };
    PGresult *r = pg_exec(c, SQL_VALIDATED_QUESTION, 5, qp, err, errlen);
    if (!r) goto fail;
    info->applied = atoi(PQcmdTuples(r)) > 0;
    PQclear(r);
    const char *hp[3] = { m->question_id, rn, m->created_at };
    if (pg_exec_cmd(c, SQL_VALIDATED_RUN, 3, hp, err, errlen) != 0) goto fail;
    /* without the run's start the end-to-end time is not known: NULL, never a substitute */
    if (!m->created_at) info->unknown_times++;
    const char *rp[13] = { m->question_id, m->question_text, m->llm_response, m->original_answer, score,
                           att, m->created_at ? total : NULL, below ? "true" : "false",
                           m->has_first_score ? first : NULL, m->model, m->created_at, m->timestamp, rn };
    if (pg_exec_cmd(c, SQL_VALIDATED_RESPONSE, 13, rp, err, errlen) != 0) goto fail;
    /* The accepted attempt is the last one, unless it was accepted below the threshold: then
     * every attempt (this one included) arrives on low-quality-responses. */
    if (!below && m->processing_attempts >= 1) {
        if (insert_attempt(c, m->question_id, m->run, m->processing_attempts, m->llm_response, m->bert_score,
                           "validated", m->model, m->llm_started_at, m->llm_finished_at, m->scored_at,
                           err, errlen) != 0)
            goto fail;
        if (stage_metrics(c, m->question_id, m->run, m->processing_attempts, m->llm_started_at,
                          m->llm_finished_at, m->scored_at, m->created_at, &info->unknown_times, err, errlen) != 0)
            goto fail;
    }
    if (correct_result(c, m->question_id, m->run, &info->corrected, err, errlen) != 0) goto fail;
    return pg_commit(c, err, errlen);
fail:
    pg_rollback(c);
    memset(info, 0, sizeof *info);
    return -1;
}

int store_persist_low_quality(pg_conn *c, const msg_low_quality *m, store_persist_info *info, char *err,
                              size_t errlen)
{
    memset(info, 0, sizeof *info);
    int attempt_no = m->retry_count + 1;
    if (pg_begin(c, err, errlen) != 0) return -1;
    if (insert_attempt(c, m->question_id, m->run, attempt_no, m->llm_response, m->bert_score, "low_quality",
                       m->model, m->llm_started_at, m->llm_finished_at, m->scored_at, err, errlen) != 0)
        goto fail;
    if (stage_metrics(c, m->question_id, m->run, attempt_no, m->llm_started_at, m->llm_finished_at,
                      m->scored_at, m->created_at, &info->unknown_times, err, errlen) != 0)
        goto fail;
    /* an attempt stored after its run's result (topics are consumed independently) may correct it */
    if (correct_result(c, m->question_id, m->run, &info->corrected, err, errlen) != 0) goto fail;
    return pg_commit(c, err, errlen);
fail:
    pg_rollback(c);
    memset(info, 0, sizeof *info);
    return -1;
}

/* A failure counts only for its run while that run is pending, and only when no later attempt of the
 * run was scored (a redelivered failure of an earlier attempt is stale). The run's record and, when it
 * is the current run, the question move to failed. $1 qid, $2 reason, $3 stage, $4 run, $5 retry_count. */
static const char *const SQL_FAILED =
    "WITH cur AS (SELECT NOT EXISTS (SELECT 1 FROM attempts WHERE question_id = $1 AND run = $4::int"
    "                                AND attempt_no > $5::int) AS ok),"
    " h AS (UPDATE runs SET status = 'failed', failed_reason = $2, failed_stage = $3, finished_at = now()"
    "       WHERE question_id = $1 AND run = $4::int AND status = 'pending' AND (SELECT ok FROM cur)"
    "       RETURNING 1) "
    "UPDATE questions SET status = 'failed', failed_reason = $2, failed_stage = $3, updated_at = now() "
    "WHERE question_id = $1 AND run = $4::int AND status = 'pending' AND (SELECT ok FROM cur)";

static const char *const SQL_FATAL_ERROR =
    "INSERT INTO llm_errors (question_id, run, error_type, http_status, error_message, retry_count,"
    " error_retries, delay_applied_ms, occurred_at) "
    "VALUES ($1, $7::int, 'fatal', $2::int, $3, $4::int, $5::int, NULL, $6::timestamptz) "
    "ON CONFLICT (question_id, run, retry_count, error_retries, error_type) DO NOTHING";

int store_persist_failed(pg_conn *c, const msg_failed *m, store_persist_info *info, char *err, size_t errlen)
{
    memset(info, 0, sizeof *info);
    char rn[16], rc[16];
    snprintf(rn, sizeof rn, "%d", m->run);
    snprintf(rc, sizeof rc, "%d", m->retry_count);
    if (pg_begin(c, err, errlen) != 0) return -1;
    const char *qp[5] = { m->question_id, m->reason, m->stage, rn, rc };
    PGresult *r = pg_exec(c, SQL_FAILED, 5, qp, err, errlen);
    if (!r) goto fail;
    info->applied = atoi(PQcmdTuples(r)) > 0;
    PQclear(r);
    if (strcmp(m->stage, "llm") == 0 && m->has_http_status) {
        char st[16], er[16];
        snprintf(st, sizeof st, "%d", m->http_status);
        snprintf(er, sizeof er, "%d", m->error_retries);
        const char *ep[7] = { m->question_id, st, m->reason, rc, er, m->timestamp, rn };
        if (pg_exec_cmd(c, SQL_FATAL_ERROR, 7, ep, err, errlen) != 0) goto fail;
    }
    return pg_commit(c, err, errlen);
fail:
    pg_rollback(c);
    memset(info, 0, sizeof *info);
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
