/* syncmode.c -- POST /query?mode=sync: a bounded pool of workers that ask the LLM, score and regenerate inline (no Kafka). */
#include "syncmode.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "llmclient.h"
#include "log.h"
#include "msg.h"
#include "prompt.h"
#include "scoreclient.h"
#include "runs.h"
#include "store.h"
#include "timeutil.h"

#define SYNCMODE_LLM_MAX_BODY (4u << 20)

struct syncmode_worker {
    llmclient *llm;
    scoreclient *scorer;
    int busy;
};

struct syncmode {
    syncmode_opts o;
    llm_config llm;           /* borrowed fields (o.llm outlives the pool) */
    prompt *prompt;
    pthread_mutex_t mu;
    syncmode_worker *w;
    int n;
    prom_counter *c_answered, *c_failed, *c_busy, *c_llm_calls;
    prom_gauge *g_busy;
};

syncmode_route syncmode_route_of(double score, double threshold, int retry_count, int max_regenerations)
{
    if (score >= threshold)
        return SYNCMODE_ACCEPT;
    return retry_count < max_regenerations ? SYNCMODE_REGENERATE : SYNCMODE_ACCEPT_BEST;
}

static llmclient *syncmode_llm_client(const syncmode *s, char *err, size_t errlen)
{
    llmclient_opts lo = { .url = s->llm.url, .api_key = s->llm.api_key, .timeout_ms = s->llm.timeout_ms,
                          .connect_timeout_ms = s->llm.connect_timeout_ms, .max_body = SYNCMODE_LLM_MAX_BODY };
    return llmclient_create(&lo, err, errlen);
}

syncmode *syncmode_create(const syncmode_opts *o, char *err, size_t errlen)
{
    if (o->workers < 1 || o->max_regenerations < 0 || o->max_regenerations + 1 > SYNCMODE_MAX_ATTEMPTS) {
        snprintf(err, errlen, "sync mode needs >= 1 worker and 0..%d regenerations", SYNCMODE_MAX_ATTEMPTS - 1);
        return NULL;
    }
    syncmode *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->o = *o;
    s->llm = *o->llm;
    pthread_mutex_init(&s->mu, NULL);
    if (!(s->prompt = prompt_create(s->llm.prompt_template, err, errlen)))
        goto fail;
    if (!(s->w = calloc((size_t)o->workers, sizeof *s->w))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    s->n = o->workers;
    for (int i = 0; i < s->n; i++) {
        if (!(s->w[i].llm = syncmode_llm_client(s, err, errlen)) ||
            !(s->w[i].scorer = scoreclient_create(o->scorer_url, o->scorer_timeout_ms, o->score_field, err, errlen)))
            goto fail;
    }
    const char *name = "qaflow_storage_sync_queries_total", *help = "POST /query?mode=sync outcomes";
    s->c_answered = prom_counter_create(o->prom, name, help, "outcome=\"answered\"");
    s->c_failed = prom_counter_create(o->prom, name, help, "outcome=\"failed\"");
    s->c_busy = prom_counter_create(o->prom, name, help, "outcome=\"busy\"");
    s->c_llm_calls = prom_counter_create(o->prom, "qaflow_storage_sync_llm_calls_total",
                                         "LLM requests made by the sync mode", NULL);
    s->g_busy = prom_gauge_create(o->prom, "qaflow_storage_sync_busy_workers", "Sync-mode workers answering", NULL);
    return s;
fail:
    syncmode_destroy(s);
    return NULL;
}

void syncmode_destroy(syncmode *s)
{
    if (!s)
        return;
    for (int i = 0; s->w && i < s->n; i++) {
        llmclient_destroy(s->w[i].llm, NULL);
        scoreclient_destroy(s->w[i].scorer);
    }
    free(s->w);
    prompt_destroy(s->prompt);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

int syncmode_workers(const syncmode *s) { return s->n; }

syncmode_worker *syncmode_acquire(syncmode *s)
{
    syncmode_worker *got = NULL;
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->n && !got; i++) {
        if (!s->w[i].busy) {
            s->w[i].busy = 1;
            got = &s->w[i];
        }
    }
    pthread_mutex_unlock(&s->mu);
    if (got)
        prom_gauge_add(s->g_busy, 1);
    else
        prom_counter_inc(s->c_busy);
    return got;
}

void syncmode_release(syncmode *s, syncmode_worker *w)
{
    pthread_mutex_lock(&s->mu);
    w->busy = 0;
    pthread_mutex_unlock(&s->mu);
    prom_gauge_add(s->g_busy, -1);
}

/* One LLM exchange in flight on a worker's client. */
typedef struct syncmode_call {
    const syncmode *s;
    int done, oom;
    classify_result cr;
} syncmode_call;

static void syncmode_llm_done(void *opaque, void *req_opaque, const llmclient_result *r)
{
    (void)opaque;
    syncmode_call *call = req_opaque;
    call->done = 1;
    call->oom = classify_exchange(call->s->llm.kind, r->in, &call->cr) != 0;
}

/* Asks the LLM for attempt retry_count: the worker's prompt, parameters and seed. Returns 0 with
 * call->cr filled (any outcome), -1 with reason filled when no exchange finished. */
static int syncmode_ask(syncmode *s, syncmode_worker *w, const char *qid, const char *text, int retry_count,
                        syncmode_call *call, char *reason, size_t rlen)
{
    memset(call, 0, sizeof *call);
    call->s = s;
    char *p = prompt_render(s->prompt, text);
    llm_params lp = { s->llm.kind, s->llm.model,
                      llm_config_temperature(s->llm.temperature, s->llm.regen_temperature, retry_count),
                      s->llm.max_tokens, (const char *const *)s->llm.stop };
    /* the seed of the run's first attempts: run 1 (prompt_seed varies it for later runs) */
    char *body = p ? backend_request_body(&lp, p, prompt_seed(qid, 1, retry_count)) : NULL;
    free(p);
    if (!body || llmclient_submit(w->llm, body, call, reason, rlen) != 0) {
        if (!body)
            snprintf(reason, rlen, "out of memory");
        free(body);
        return -1;
    }
    free(body);
    prom_counter_inc(s->c_llm_calls);
    /* libcurl ends the exchange at the LLM timeout; this bound only guards against a lost wakeup */
    int64_t deadline = timeutil_mono_ms() + s->llm.timeout_ms + s->llm.connect_timeout_ms + 5000;
    while (!call->done && timeutil_mono_ms() < deadline)
        if (llmclient_run(w->llm, 200, syncmode_llm_done, NULL) < 0)
            break;
    if (call->done && !call->oom)
        return 0;
    if (!call->done) { /* the request may still be in flight: start over with a fresh client */
        char err[256];
        llmclient_destroy(w->llm, NULL);
        w->llm = syncmode_llm_client(s, err, sizeof err);
        if (!w->llm)
            log_error("sync: cannot recreate the LLM client: %s", err);
    }
    free(call->cr.answer);
    call->cr.answer = NULL;
    snprintf(reason, rlen, call->oom ? "out of memory" : "no answer from the LLM within its timeout");
    return -1;
}

/* The llm_errors error_type of a failed exchange, as the LLM worker names it. */
static const char *syncmode_error_type(classify_outcome o)
{
    return o == CLASSIFY_OVERLOAD ? "overload" : o == CLASSIFY_QUOTA ? "quota" : "fatal";
}

static void syncmode_fail(syncmode_outcome *o, const char *stage, const char *type, int status, const char *reason)
{
    o->ok = 0;
    o->stage = stage;
    o->error_type = type;
    o->http_status = status;
    snprintf(o->reason, sizeof o->reason, "%s", reason);
}

int syncmode_answer(syncmode *s, syncmode_worker *w, const char *qid, const char *text, const char *reference,
                    int all_attempts, syncmode_outcome *o)
{
    memset(o, 0, sizeof *o);
    o->started_ms = timeutil_mono_ms();
    timeutil_now_iso(o->created_at, sizeof o->created_at);
    char reason[512];
    int best = -1;
    for (int retry = 0; retry <= s->o.max_regenerations; retry++) {
        syncmode_attempt *a = &o->a[o->n];
        timeutil_now_iso(a->llm_started_at, sizeof a->llm_started_at);
        int64_t t0 = timeutil_mono_ms();
        syncmode_call call;
        if (!w->llm || syncmode_ask(s, w, qid, text, retry, &call, reason, sizeof reason) != 0) {
            syncmode_fail(o, "llm", "overload", 0, w->llm ? reason : "no LLM client");
            break;
        }
        if (call.cr.outcome != CLASSIFY_SUCCESS) {
            syncmode_fail(o, "llm", syncmode_error_type(call.cr.outcome), call.cr.http_status, call.cr.message);
            free(call.cr.answer);
            break;
        }
        a->answer = call.cr.answer;
        o->n++;
        timeutil_now_iso(a->llm_finished_at, sizeof a->llm_finished_at);
        int64_t t1 = timeutil_mono_ms();
        a->llm_ms = (double)(t1 - t0);
        int rc = scoreclient_score(w->scorer, a->answer, reference, &a->score, reason, sizeof reason);
        timeutil_now_iso(a->scored_at, sizeof a->scored_at);
        a->score_ms = (double)(timeutil_mono_ms() - t1);
        if (rc != 0) {
            syncmode_fail(o, "score", "scorer", 0, reason);
            break;
        }
        if (best < 0 || a->score > o->a[best].score) /* ties keep the earlier attempt, as BestAttempt.offer */
            best = o->n - 1;
        if (all_attempts)
            continue;
        syncmode_route r = syncmode_route_of(a->score, s->o.threshold, retry, s->o.max_regenerations);
        if (r == SYNCMODE_REGENERATE)
            continue;
        o->ok = 1;
        o->accepted = r == SYNCMODE_ACCEPT ? o->n - 1 : best;
        o->below_threshold = r == SYNCMODE_ACCEPT_BEST;
        break;
    }
    if (all_attempts && o->n == s->o.max_regenerations + 1) {
        o->ok = 1;
        o->accepted = best;
    }
    o->total_ms = timeutil_mono_ms() - o->started_ms;
    prom_counter_inc(o->ok ? s->c_answered : s->c_failed);
    if (!o->ok)
        log_warn("sync: question_id=%s failed stage=%s type=%s status=%d attempts=%d reason=\"%s\"", qid, o->stage,
                 o->error_type, o->http_status, o->n, o->reason);
    return 0;
}

void syncmode_outcome_free(syncmode_outcome *o)
{
    for (int i = 0; i < o->n; i++)
        free(o->a[i].answer);
    o->n = 0;
}

int syncmode_persist(const syncmode *s, pg_conn *c, const char *qid, const char *text, const char *reference,
                     const syncmode_outcome *o, char *err, size_t errlen)
{
    char now[TIMEUTIL_ISO_LEN];
    timeutil_now_iso(now, sizeof now);
    const syncmode_attempt *acc = &o->a[o->accepted];
    int run = runs_for_sync(c, qid, text, reference, o->created_at[0] ? o->created_at : now, err, errlen);
    if (run < 1)
        return -1;
    store_persist_info info;
    msg_validated v = { .run = run, .question_id = (char *)qid, .question_text = (char *)text, .llm_response = acc->answer,
                        .original_answer = (char *)reference, .bert_score = acc->score,
                        .processing_attempts = o->n, .total_processing_time_ms = o->total_ms, .timestamp = now,
                        .has_accepted_below_threshold = 1, .accepted_below_threshold = o->below_threshold,
                        .has_first_score = 1, .first_score = o->a[0].score, .created_at = (char *)o->created_at,
                        .llm_started_at = (char *)acc->llm_started_at, .llm_finished_at = (char *)acc->llm_finished_at,
                        .scored_at = (char *)acc->scored_at, .model = (char *)s->llm.model };
    /* the question row first (validated inserts it), then the attempts below the threshold */
    if (store_persist_validated(c, &v, &info, err, errlen) != 0)
        return -1;
    for (int i = 0; i < o->n; i++) {
        const syncmode_attempt *a = &o->a[i];
        if (a->score >= s->o.threshold)
            continue;
        msg_low_quality m = { .run = run, .question_id = (char *)qid, .llm_response = a->answer, .bert_score = a->score,
                              .retry_count = i, .threshold = s->o.threshold, .timestamp = now,
                              .created_at = (char *)o->created_at, .llm_started_at = (char *)a->llm_started_at,
                              .llm_finished_at = (char *)a->llm_finished_at, .scored_at = (char *)a->scored_at,
                              .model = (char *)s->llm.model };
        if (store_persist_low_quality(c, &m, &info, err, errlen) != 0)
            return -1;
    }
    return 0;
}

json_t *syncmode_attempts_json(const syncmode *s, const char *qid, const syncmode_outcome *o)
{
    json_t *arr = json_array();
    for (int i = 0; arr && i < o->n; i++)
        json_array_append_new(arr, json_pack("{s:i,s:f,s:f,s:f}", "retry_count", i, "bert_score", o->a[i].score,
                                             "llm_ms", o->a[i].llm_ms, "score_ms", o->a[i].score_ms));
    return json_pack("{s:s,s:s,s:s,s:s,s:f,s:i,s:I,s:o}", "status", "completed", "source", "sync", "question_id", qid, "model",
                     s->llm.model, "threshold", s->o.threshold, "max_regenerations", s->o.max_regenerations,
                     "total_processing_time_ms", (json_int_t)o->total_ms, "attempts", arr ? arr : json_null());
}
