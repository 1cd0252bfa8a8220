/* capi.c -- handlers of the console's JSON API; the sampler's cached documents, Kafka browsing, PostgreSQL reads, the Ask proxy. */
#include "capi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "probe.h"
#include "timeutil.h"

int capi_int_arg(const char *text, long def, long min, long max, long *out, char *err, size_t errlen)
{
    if (!text || !*text) {
        *out = def;
        return 0;
    }
    char *end;
    long v = strtol(text, &end, 10);
    if (*end || v < min || v > max) {
        snprintf(err, errlen, "'%s' is not an integer in [%ld, %ld]", text, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

static int valid_chars(const char *s, size_t maxlen)
{
    size_t n = strlen(s);
    return n >= 1 && n <= maxlen &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

int capi_valid_topic(const char *name) { return valid_chars(name, 249); }
int capi_valid_qid(const char *id) { return valid_chars(id, 128); }

/* Answers a cached JSON document (malloc'd text). */
static void answer_doc(http_response *resp, char *doc)
{
    if (!doc) http_response_error(resp, 500, "out of memory");
    else http_response_take(resp, 200, "application/json", doc, strlen(doc));
}

void capi_overview(void *opaque, const http_request *req, http_response *resp)
{
    capi *a = opaque;
    answer_doc(resp, sampler_overview(a->sampler, NULL));
}

void capi_topics(void *opaque, const http_request *req, http_response *resp)
{
    capi *a = opaque;
    answer_doc(resp, sampler_topics(a->sampler, NULL));
}

/* GET /api/topics/<topic>/messages?partition=P&limit=N[&key=K] */
void capi_topic_messages(void *opaque, const http_request *req, http_response *resp)
{
    capi *a = opaque;
    char topic[256], err[512];
    const char *slash = strchr(req->subpath, '/');
    size_t n = slash ? (size_t)(slash - req->subpath) : 0;
    if (!slash || strcmp(slash, "/messages") != 0 || n >= sizeof topic) {
        http_response_error(resp, 404, "no such route: %s (use /api/topics/<topic>/messages)", req->path);
        return;
    }
    memcpy(topic, req->subpath, n);
    topic[n] = '\0';
    if (!capi_valid_topic(topic)) {
        http_response_error(resp, 400, "bad topic name");
        return;
    }
    long partition, limit;
    if (capi_int_arg(http_request_query(req, "partition"), -1, -1, 1000000, &partition, err, sizeof err) != 0 ||
        capi_int_arg(http_request_query(req, "limit"), 50, 1, a->max_messages, &limit, err, sizeof err) != 0) {
        http_response_error(resp, 400, "%s", err);
        return;
    }
    const char *key = http_request_query(req, "key");
    if (key && !*key) key = NULL;
    int status;
    json_t *msgs = kview_browse(a->kafka, topic, (int32_t)partition, (int)limit, key, &status, err, sizeof err);
    if (!msgs) {
        log_warn("api: browse %s: %s", topic, err);
        http_response_error(resp, status, "%s", err);
        return;
    }
    http_response_json(resp, 200, msgs);
}

/* GET /api/questions?q=&status=&limit= */
void capi_search(void *opaque, const http_request *req, http_response *resp)
{
    capi *a = opaque;
    char err[512];
    long limit;
    const char *q = http_request_query(req, "q"), *status = http_request_query(req, "status");
    if (capi_int_arg(http_request_query(req, "limit"), 50, 1, 500, &limit, err, sizeof err) != 0) {
        http_response_error(resp, 400, "%s", err);
        return;
    }
    if (status && *status && strcmp(status, "pending") != 0 && strcmp(status, "completed") != 0 &&
        strcmp(status, "failed") != 0) {
        http_response_error(resp, 400, "status must be pending, completed or failed");
        return;
    }
    json_t *o = cdb_search(a->db, q ? q : "", status ? status : "", (int)limit, err, sizeof err);
    if (!o) {
        log_warn("api: search: %s", err);
        http_response_error(resp, 503, "database: %s", err);
        return;
    }
    http_response_json(resp, 200, o);
}

void capi_question(void *opaque, const http_request *req, http_response *resp)
{
    capi *a = opaque;
    char err[512];
    if (!capi_valid_qid(req->subpath)) {
        http_response_error(resp, 404, "no question '%s' (ids are 1-128 of A-Z a-z 0-9 . _ -)", req->subpath);
        return;
    }
    int status;
    json_t *o = cdb_question(a->db, req->subpath, &status, err, sizeof err);
    if (!o) {
        if (status != 404) log_warn("api: question %s: %s", req->subpath, err);
        http_response_error(resp, status, "%s", err);
        return;
    }
    http_response_json(resp, 200, o);
}

/* GET /api/analysis?since=&until= (ISO-8601; absent or empty: unbounded) */
void capi_analysis(void *opaque, const http_request *req, http_response *resp)
{
    capi *a = opaque;
    char err[512];
    const char *since = http_request_query(req, "since"), *until = http_request_query(req, "until");
    int64_t ms;
    if (since && !*since) since = NULL;
    if (until && !*until) until = NULL;
    if ((since && timeutil_parse_iso(since, &ms) != 0) || (until && timeutil_parse_iso(until, &ms) != 0)) {
        http_response_error(resp, 400, "since and until must be ISO-8601 times, e.g. 2026-01-31T12:00:00Z");
        return;
    }
    int status;
    json_t *o = cdb_analysis(a->db, since, until, &status, err, sizeof err);
    if (!o) {
        log_warn("api: analysis: %s", err);
        http_response_error(resp, status, "%s", err);
        return;
    }
    http_response_json(resp, 200, o);
}

/* POST /api/ask: the body goes to the storage API's POST /query as it is; its answer comes back. */
void capi_ask(void *opaque, const http_request *req, http_response *resp)
{
    capi *a = opaque;
    char url[1024], err[512];
    snprintf(url, sizeof url, "%s/query", a->storage_url);
    probe_reply r;
    if (probe_http(url, req->body, req->body_len, a->http_timeout_ms * 4L, &r, err, sizeof err) != 0) {
        log_warn("api: ask: %s", err);
        http_response_error(resp, 502, "storage API: %s", err);
        return;
    }
    log_info("api: ask forwarded status=%ld", r.status);
    http_response_take(resp, (int)r.status, "application/json", r.body, r.len);
}

void capi_health(void *opaque, const http_request *req, http_response *resp)
{
    capi *a = opaque;
    json_t *o = json_pack("{s:s,s:b,s:b}", "status", "ok", "kafka", sampler_kafka_ok(a->sampler), "postgres",
                          sampler_db_ok(a->sampler));
    http_response_json(resp, 200, o);
}
