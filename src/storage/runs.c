/* runs.c -- the one rule for starting a run of a question, and its questions-pending message in the outbox. */
#include "runs.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "msg.h"

/* Every request through qaflow_start_run, in order (the first request for a question decides). */
static const char *const SQL_START =
    "SELECT x.n, r.new_run, r.stored_text, r.stored_answer "
    "FROM json_to_recordset($1::json) AS x(n int, question_id text, question_text text, original_answer text,"
    "  at timestamptz, stuck_run int) "
    "CROSS JOIN LATERAL qaflow_start_run(x.question_id, x.question_text, x.original_answer, x.at,"
    "  NULLIF(x.stuck_run, 0)) AS r "
    "ORDER BY x.n";

static const char *const SQL_OUTBOX =
    "INSERT INTO outbox (question_id, topic, payload) "
    "SELECT question_id, '" MSG_TOPIC_PENDING "', payload "
    "FROM json_to_recordset($1::json) AS x(n int, question_id text, payload text) ORDER BY n";

/* JSON text of [{n, question_id, ...}] for the statement; NULL when out of memory. */
static char *requests_json(const runs_request *reqs, int n)
{
    json_t *arr = json_array();
    for (int i = 0; arr && i < n; i++) {
        const runs_request *q = &reqs[i];
        json_t *o = json_pack("{s:i,s:s,s:s?,s:s?,s:s,s:i}", "n", i, "question_id", q->question_id,
                              "question_text", q->question_text, "original_answer", q->original_answer, "at",
                              q->at, "stuck_run", q->stuck_run);
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    char *text = arr ? json_dump_compact(arr) : NULL;
    json_decref(arr);
    return text;
}

/* Adds the questions-pending message of the run started for reqs[i] to out (an array). */
static int add_message(json_t *out, runs_request *q, int i, const char *text, const char *answer, char *err,
                       size_t errlen)
{
    msg_pending m = { .question_id = (char *)q->question_id, .question_text = (char *)text,
                      .original_answer = (char *)answer, .retry_count = 0, .timestamp = (char *)q->at,
                      .error_retries = 0, .created_at = (char *)q->at, .run = q->run };
    char *payload = msg_pending_encode(&m, err, errlen);
    if (!payload) return -1;
    json_t *o = json_pack("{s:i,s:s,s:s}", "n", i, "question_id", q->question_id, "payload", payload);
    free(payload);
    if (!o || json_array_append_new(out, o) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int runs_start(pg_conn *pg, runs_request *reqs, int n, char *err, size_t errlen)
{
    for (int i = 0; i < n; i++) reqs[i].run = 0;
    if (n <= 0) return 0;
    char *in = requests_json(reqs, n);
    if (!in) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    json_t *msgs = NULL;
    char *out = NULL;
    if (pg_begin(pg, err, errlen) != 0) goto fail;
    const char *p1[1] = { in };
    PGresult *r = pg_exec_prepared(pg, "qf_start_runs", SQL_START, 1, p1, err, errlen);
    if (!r) goto fail;
    msgs = json_array();
    int rc = msgs ? 0 : -1;
    for (int k = 0; rc == 0 && k < PQntuples(r); k++) {
        int i = atoi(PQgetvalue(r, k, 0));
        if (i < 0 || i >= n) continue;
        reqs[i].run = atoi(PQgetvalue(r, k, 1));
        rc = add_message(msgs, &reqs[i], i, PQgetvalue(r, k, 2), PQgetvalue(r, k, 3), err, errlen);
    }
    PQclear(r);
    if (rc != 0) goto fail;
    if (json_array_size(msgs) > 0) {
        out = json_dump_compact(msgs);
        if (!out) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        const char *p2[1] = { out };
        PGresult *o = pg_exec_prepared(pg, "qf_start_runs_outbox", SQL_OUTBOX, 1, p2, err, errlen);
        if (!o) goto fail;
        PQclear(o);
    }
    if (pg_commit(pg, err, errlen) != 0) goto fail;
    free(in);
    free(out);
    json_decref(msgs);
    return 0;
fail:
    pg_rollback(pg);
    for (int i = 0; i < n; i++) reqs[i].run = 0;
    free(in);
    free(out);
    json_decref(msgs);
    return -1;
}
