/* api.c -- HTTP handlers: validation, cache-aside lookups, outbox enqueue, metrics, health. */
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "log.h"
#include "msg.h"
#include "qid.h"
#include "timeutil.h"

static void handle_query(void *opaque, const http_request *req, http_response *resp);
static void handle_status(void *opaque, const http_request *req, http_response *resp);
static void handle_metrics(void *opaque, const http_request *req, http_response *resp);

/* The HTTP route table: one line per endpoint (GET /health is the server's health hook, see
 * api_http_opts). api_create copies it with opaque set to the api. */
static const http_route ROUTES[] = {
    { "POST", "/query", 0, handle_query, NULL },
    { "GET", "/status/", 1, handle_status, NULL },
    { "GET", "/metrics", 0, handle_metrics, NULL },
};
#define NROUTES (sizeof ROUTES / sizeof ROUTES[0])

struct api {
    api_deps d;
    http_route routes[NROUTES];
    int64_t started_ms;
    prom_counter *q_new, *q_pending, *q_completed, *q_bad, *db_errors;
    prom_gauge *g_total, *g_avg, *g_pending, *g_completed, *g_failed, *g_outbox;
};

#define MSG_PENDING_TEXT "Question sent for asynchronous processing"
#define MSG_STILL_PENDING "Question is being processed"

/* {"status":"completed","source":S,"question_id":Q,"result":<json>} without re-parsing result. */
static void reply_completed(http_response *resp, const char *source, const char *qid, const char *result)
{
    size_t len = strlen(result) + strlen(qid) + 96;
    char *body = malloc(len);
    if (!body) {
        http_response_error(resp, 500, "out of memory");
        return;
    }
    int n = snprintf(body, len, "{\"status\":\"completed\",\"source\":\"%s\",\"question_id\":\"%s\",\"result\":%s}",
                     source, qid, result);
    http_response_take(resp, 200, "application/json", body, (size_t)n);
}

/* Adds "run" and, when known, "runs" (the history, JSON text from store_lookup) to o. */
static json_t *with_runs(json_t *o, int run, const char *runs_json)
{
    if (!o) return NULL;
    json_object_set_new(o, "run", json_integer(run));
    json_error_t je;
    json_t *h = runs_json ? json_loads(runs_json, 0, &je) : NULL;
    if (h) json_object_set_new(o, "runs", h);
    return o;
}

static void reply_pending(http_response *resp, int status, const char *qid, const char *message, int run,
                          const char *runs_json)
{
    http_response_json(resp, status, with_runs(json_pack("{s:s,s:s,s:s}", "status", "pending", "question_id", qid,
                                                         "message", message), run, runs_json));
}

static void reply_failed(http_response *resp, const char *qid, const store_lookup *l)
{
    http_response_json(resp, 200, with_runs(json_pack("{s:s,s:s,s:s,s:s}", "status", "failed", "question_id", qid,
                                                      "reason", l->failed_reason, "stage", l->failed_stage),
                                            l->run, l->runs_json));
}

static void reply_db_down(api *a, http_response *resp, const char *err)
{
    prom_counter_inc(a->db_errors);
    log_error("api: database error: %s", err);
    http_response_error(resp, 503, "database unavailable, try again");
    http_response_header(resp, "Retry-After", "1");
}

/* 1 when the request says its body is JSON: media type application/json (any case), optionally with
 * parameters such as charset=utf-8. A form or text/plain post (what a web page can send cross-origin
 * without asking) is not. */
static int api_is_json(const http_request *req)
{
    const char *ct = http_request_header(req, "Content-Type");
    static const char json_type[] = "application/json";
    if (!ct)
        return 0;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    if (strncasecmp(ct, json_type, sizeof json_type - 1) != 0)
        return 0;
    ct += sizeof json_type - 1;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return *ct == '\0' || *ct == ';';
}

static void handle_query(void *opaque, const http_request *req, http_response *resp)
{
    api *a = opaque;
    char err[512];
    if (!api_is_json(req)) {
        prom_counter_inc(a->q_bad);
        http_response_error(resp, 415, "POST /query takes Content-Type: application/json");
        return;
    }
    json_t *body = json_parse_object(req->body, req->body_len, err, sizeof err);
    const char *text = NULL, *answer = NULL;
    if (!body || json_field_string(body, "question_text", 1, 1, &text, err, sizeof err) != 0 ||
        json_field_string(body, "original_answer", 1, 1, &answer, err, sizeof err) != 0) {
        prom_counter_inc(a->q_bad);
        http_response_error(resp, 400, "%s", err);
        json_decref(body);
        return;
    }
    char qid[QID_BUFSZ];
    if (qid_derive(text, strlen(text), qid, err, sizeof err) != 0) {
        prom_counter_inc(a->q_bad);
        http_response_error(resp, 400, "%s", err);
        json_decref(body);
        return;
    }
    /* 1. cache */
    char *cached = a->d.cache ? cache_get(a->d.cache, qid) : NULL;
    if (cached) {
        prom_counter_inc(a->q_completed);
        reply_completed(resp, "cache", qid, cached);
        free(cached);
        json_decref(body);
        return;
    }
    /* 2+3. database: start a run (new question, or failed before) with its outbox row */
    char now[TIMEUTIL_ISO_LEN];
    timeutil_now_iso(now, sizeof now);
    int run = 0, rc;
    store_lookup l = { 0 };
    if (a->d.batcher) {
        /* group commit: shares one transaction with concurrent asked questions */
        rc = enqueue_batcher_submit(a->d.batcher, qid, text, answer, now, &run, err, sizeof err);
        if (rc == 0 && !run) {
            pg_conn *c = store_acquire(a->d.store);
            rc = store_lookup_question(c, qid, &l, err, sizeof err);
            store_release(a->d.store, c);
        }
    } else {
        /* no writer threads: the same, committed alone on a pooled connection */
        pg_conn *c = store_acquire(a->d.store);
        rc = enqueue_one(c, qid, text, answer, now, &run, err, sizeof err);
        if (rc == 0 && !run) rc = store_lookup_question(c, qid, &l, err, sizeof err);
        store_release(a->d.store, c);
    }
    json_decref(body);
    if (rc != 0) {
        reply_db_down(a, resp, err);
        return;
    }
    if (run) {
        prom_counter_inc(a->q_new);
        outbox_relay_notify(a->d.relay);
        log_debug("api: accepted question_id=%s run=%d", qid, run);
        reply_pending(resp, 202, qid, MSG_PENDING_TEXT, run, NULL);
        return;
    }
    switch (l.status) {
    case STORE_COMPLETED:
        prom_counter_inc(a->q_completed);
        if (a->d.cache) cache_put(a->d.cache, qid, l.result_json);
        reply_completed(resp, "database", qid, l.result_json);
        break;
    case STORE_FAILED: /* turned failed between our two statements: report it */
        reply_failed(resp, qid, &l);
        break;
    default:
        prom_counter_inc(a->q_pending);
        reply_pending(resp, 202, qid, MSG_STILL_PENDING, l.run, l.runs_json);
    }
    store_lookup_free(&l);
}

static void handle_status(void *opaque, const http_request *req, http_response *resp)
{
    api *a = opaque;
    const char *qid = req->subpath;
    if (!qid_valid(qid)) {
        http_response_error(resp, 400, "invalid question_id: expected 1-%d characters of [A-Za-z0-9_.-]", QID_MAX_LEN);
        return;
    }
    char *cached = a->d.cache ? cache_get(a->d.cache, qid) : NULL;
    if (cached) {
        reply_completed(resp, "cache", qid, cached);
        free(cached);
        return;
    }
    char err[512];
    store_lookup l;
    pg_conn *c = store_acquire(a->d.store);
    int rc = store_lookup_question(c, qid, &l, err, sizeof err);
    store_release(a->d.store, c);
    if (rc != 0) {
        reply_db_down(a, resp, err);
        return;
    }
    switch (l.status) {
    case STORE_ABSENT:
        http_response_error(resp, 404, "unknown question_id '%s'", qid);
        break;
    case STORE_PENDING:
        reply_pending(resp, 200, qid, MSG_STILL_PENDING, l.run, l.runs_json);
        break;
    case STORE_COMPLETED:
        if (a->d.cache) cache_put(a->d.cache, qid, l.result_json);
        reply_completed(resp, "database", qid, l.result_json);
        break;
    case STORE_FAILED:
        reply_failed(resp, qid, &l);
        break;
    }
    store_lookup_free(&l);
}

static int wants_prometheus(const http_request *req)
{
    const char *fmt = http_request_query(req, "format");
    if (fmt) return strcmp(fmt, "prometheus") == 0 || strcmp(fmt, "text") == 0;
    const char *accept = http_request_header(req, "Accept");
    if (!accept) return 0;
    if (strstr(accept, "application/json")) return 0;
    return strstr(accept, "openmetrics") != NULL || strncmp(accept, "text/plain", 10) == 0;
}

static void handle_metrics(void *opaque, const http_request *req, http_response *resp)
{
    api *a = opaque;
    char err[512];
    const char *fmt = http_request_query(req, "format");
    if (fmt && strcmp(fmt, "prometheus") && strcmp(fmt, "text") && strcmp(fmt, "json")) {
        http_response_error(resp, 400, "format must be json or prometheus");
        return;
    }
    pg_conn *c = store_acquire(a->d.store);
    json_t *m = store_metrics(c, err, sizeof err);
    store_release(a->d.store, c);
    if (!m) {
        reply_db_down(a, resp, err);
        return;
    }
    cache_stats cs;
    cache_get_stats(a->d.cache, &cs);
    unsigned long long lookups = cs.hits + cs.misses;
    json_t *q = json_object_get(m, "questions");
    prom_gauge_set(a->g_total, (double)json_integer_value(json_object_get(m, "total_responses")));
    prom_gauge_set(a->g_avg, json_is_real(json_object_get(m, "average_score"))
                                 ? json_real_value(json_object_get(m, "average_score")) : 0.0);
    prom_gauge_set(a->g_pending, (double)json_integer_value(json_object_get(q, "pending")));
    prom_gauge_set(a->g_completed, (double)json_integer_value(json_object_get(q, "completed")));
    prom_gauge_set(a->g_failed, (double)json_integer_value(json_object_get(q, "failed")));
    prom_gauge_set(a->g_outbox, (double)json_integer_value(json_object_get(m, "outbox_pending")));
    if (wants_prometheus(req)) {
        json_decref(m);
        char *text = prom_registry_render(a->d.prom);
        if (!text) http_response_error(resp, 500, "cannot render metrics");
        else http_response_take(resp, 200, PROM_CONTENT_TYPE, text, strlen(text));
        return;
    }
    json_object_set_new(m, "cache_info",
                        json_pack("{s:I,s:I,s:f,s:I,s:I,s:s,s:I,s:I,s:I}", "hits", (json_int_t)cs.hits,
                                  "misses", (json_int_t)cs.misses, "hit_rate",
                                  lookups ? (double)cs.hits / (double)lookups : 0.0, "local_hits",
                                  (json_int_t)cs.local_hits, "redis_hits", (json_int_t)cs.redis_hits,
                                  "policy", cs.policy, "maxmemory", (json_int_t)cs.maxmemory,
                                  "used_memory", (json_int_t)cs.used_memory, "keys", (json_int_t)cs.keys));
    json_object_set_new(m, "uptime_s", json_integer((timeutil_now_ms() - a->started_ms) / 1000));
    http_response_json(resp, 200, m);
}

static void handle_health(void *opaque, const http_request *req, http_response *resp)
{
    api *a = opaque;
    store_health_info ph = store_health(a->d.store);
    const char *err = ph.error;
    double oldest = ph.oldest_unsent_s;
    long long outbox = ph.outbox_pending;
    int pg_up = outbox >= 0;
    int redis_up = cache_redis_up(a->d.cache);
    int brokers = a->d.relay ? outbox_relay_kafka_brokers(a->d.relay, 500) : 0;
    int kafka_up = !a->d.relay || brokers > 0;
    int ok = pg_up && redis_up && kafka_up;
    json_t *o = json_pack("{s:s,s:{s:{s:s},s:{s:s},s:{s:s,s:i}},s:I,s:f,s:I}", "status", ok ? "ok" : "degraded",
                          "dependencies", "postgresql", "status", pg_up ? "up" : "down", "redis", "status",
                          redis_up ? "up" : "down", "kafka", "status",
                          !a->d.relay ? "unchecked" : (kafka_up ? "up" : "down"), "brokers", brokers < 0 ? 0 : brokers,
                          "outbox_pending", (json_int_t)outbox, "outbox_oldest_unsent_s", oldest,
                          "uptime_s", (json_int_t)((timeutil_now_ms() - a->started_ms) / 1000));
    if (!pg_up && o) json_object_set_new(json_object_get(json_object_get(o, "dependencies"), "postgresql"),
                                         "error", json_string(err[0] ? err : "unreachable"));
    http_response_json(resp, ok ? 200 : 503, o);
}

api *api_create(const api_deps *d, char *err, size_t errlen)
{
    api *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    a->d = *d;
    a->started_ms = timeutil_now_ms();
    for (size_t i = 0; i < NROUTES; i++) {
        a->routes[i] = ROUTES[i];
        a->routes[i].opaque = a;
    }
    prom_registry *r = d->prom;
    a->q_new = prom_counter_create(r, "qaflow_storage_queries_total", "POST /query outcomes", "outcome=\"enqueued\"");
    a->q_pending = prom_counter_create(r, "qaflow_storage_queries_total", "POST /query outcomes", "outcome=\"in_flight\"");
    a->q_completed = prom_counter_create(r, "qaflow_storage_queries_total", "POST /query outcomes", "outcome=\"completed\"");
    a->q_bad = prom_counter_create(r, "qaflow_storage_queries_total", "POST /query outcomes", "outcome=\"rejected\"");
    a->db_errors = prom_counter_create(r, "qaflow_storage_db_errors_total", "Requests that failed on PostgreSQL", NULL);
    a->g_total = prom_gauge_create(r, "qaflow_storage_responses", "Completed responses in PostgreSQL", NULL);
    a->g_avg = prom_gauge_create(r, "qaflow_storage_average_score", "Average BERTScore of completed responses", NULL);
    a->g_pending = prom_gauge_create(r, "qaflow_storage_questions", "Questions by status", "status=\"pending\"");
    a->g_completed = prom_gauge_create(r, "qaflow_storage_questions", "Questions by status", "status=\"completed\"");
    a->g_failed = prom_gauge_create(r, "qaflow_storage_questions", "Questions by status", "status=\"failed\"");
    a->g_outbox = prom_gauge_create(r, "qaflow_storage_outbox_pending", "Outbox rows not yet acknowledged by Kafka", NULL);
    return a;
}

void api_destroy(api *a) { free(a); }

void api_http_opts(api *a, http_server_opts *o)
{
    o->routes = a->routes;
    o->nroutes = NROUTES;
    o->health = handle_health;
    o->health_opaque = a;
    o->prom = a->d.prom;
}
