/* stub_server.c -- request routing, fault application, answers, admin endpoints and metrics */
/* Served by qaflow_common's HTTP server (http.h) in thread_per_connection mode: a held
 * ("hanging") or delayed request blocks only its own thread, and http_request_wait notices a
 * client that left or a server that is stopping. */
#include "stub_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"
#include "log.h"
#include "prom.h"
#include "stub_answer.h"
#include "stub_api.h"
#include "stub_engine.h"
#include "stub_proxy.h"
#include "timeutil.h"

enum { M_STATUS_200, M_STATUS_400, M_STATUS_402, M_STATUS_429, M_STATUS_503, M_STATUS_OTHER,
       M_STATUS_N };

struct stub_server {
    stub_engine *engine;
    http_server *http;
    stub_proxy *proxy;      /* NULL unless chaos-proxy mode */
    long hang_max_ms;
    prom_registry *prom;
    prom_counter *requests[3];           /* by API */
    prom_counter *responses[M_STATUS_N]; /* by status sent */
    prom_counter *faults[5];             /* by stub_fault_kind (index 0 unused) */
    prom_counter *scripted;
    prom_counter *bad_requests;
    prom_counter *dropped;               /* held requests whose client left / dropped */
    prom_counter *upstream_errors;
    prom_gauge *held;                    /* requests being held right now */
    prom_histogram *delay;               /* injected latency, seconds */
};

static const char *const api_labels[3] = {"api=\"ollama_generate\"", "api=\"openai_chat\"",
                                          "api=\"openai_completions\""};

static void count_status(stub_server *s, int status)
{
    int i = status == 200 ? M_STATUS_200 : status == 400 ? M_STATUS_400
          : status == 402 ? M_STATUS_402 : status == 429 ? M_STATUS_429
          : status == 503 ? M_STATUS_503 : M_STATUS_OTHER;
    prom_counter_inc(s->responses[i]);
}

/* Takes a malloc'd, NUL-terminated body; NULL (out of memory while rendering): 500. */
static void take_reply(http_response *r, int status, const char *content_type, char *body)
{
    http_response_take(r, body ? status : 500, content_type, body, body ? strlen(body) : 0);
}

/* ---- LLM endpoints ---- */

static void answer_locally(stub_server *s, const stub_request *req, const stub_decision *d,
                           const char *at, http_response *resp)
{
    if (d->raw) {
        http_response_text(resp, d->status, "application/json", d->raw);
        return;
    }
    if (d->status != 200) {
        take_reply(resp, d->status, "application/json",
                       stub_api_render_error(req->kind, d->status, d->error));
        return;
    }
    char *answer = d->answer ? strdup(d->answer) : stub_answer_default(req->prompt);
    if (!answer) {
        http_response_text(resp, 500, NULL, "{\"error\":\"out of memory\"}");
        return;
    }
    stub_api_reply r = {0};
    r.model = d->model;
    r.truncated = stub_answer_truncate_words(answer, req->max_tokens);
    r.answer = answer;
    r.prompt_tokens = stub_answer_count_words(req->prompt);
    r.completion_tokens = stub_answer_count_words(answer);
    r.created_at = at;
    r.created_unix = (long long)time(NULL);
    r.id = d->req_id;
    r.duration_ns = (long long)d->latency_ms * 1000000LL;
    const char *ct = NULL;
    char *body = stub_api_render_answer(req->kind, req->stream, &r, &ct);
    free(answer);
    take_reply(resp, 200, ct, body);
}

static void forward_upstream(stub_server *s, const http_request *hreq, const stub_request *req,
                             http_response *resp)
{
    stub_proxy_result pr;
    char err[256];
    if (stub_proxy_forward(s->proxy, hreq->method, hreq->path, hreq->body, hreq->body_len,
                           http_request_header(hreq, "Authorization"), &pr, err, sizeof(err)) != 0) {
        prom_counter_inc(s->upstream_errors);
        log_warn("upstream request failed path=%s err=\"%s\"", hreq->path, err);
        char msg[320];
        snprintf(msg, sizeof(msg), "chaos proxy: %s", err);
        take_reply(resp, 502, "application/json",
                       req ? stub_api_render_error(req->kind, 502, msg) : strdup("{\"error\":\"upstream unreachable\"}"));
        return;
    }
    resp->status = pr.status;
    resp->body = pr.body;
    resp->body_len = pr.body_len;
    resp->content_type = NULL;
    if (pr.content_type[0]) {
        /* Content type must be static: map the upstream's to the few we expect. */
        if (strstr(pr.content_type, "ndjson"))
            resp->content_type = "application/x-ndjson";
        else if (strstr(pr.content_type, "event-stream"))
            resp->content_type = "text/event-stream";
        else if (strstr(pr.content_type, "text/plain"))
            resp->content_type = "text/plain; charset=utf-8";
    }
    if (pr.retry_after[0])
        http_response_header(resp, "Retry-After", pr.retry_after);
}

static void handle_llm(stub_server *s, const http_request *hreq, http_response *resp)
{
    char at[TIMEUTIL_ISO_LEN];
    timeutil_now_iso(at, sizeof(at));
    stub_api_kind kind = (stub_api_kind)stub_api_kind_for_path(hreq->path);
    prom_counter_inc(s->requests[kind]);
    stub_request req;
    char err[256];
    if (stub_api_parse(kind, hreq->body, hreq->body_len, &req, err, sizeof(err)) != 0) {
        prom_counter_inc(s->bad_requests);
        stub_engine_record_bad(s->engine, hreq->path, at, 400);
        count_status(s, 400);
        take_reply(resp, 400, "application/json", stub_api_render_error(kind, 400, err));
        return;
    }
    stub_decision d;
    if (stub_engine_decide(s->engine, hreq->path, &req, at, &d) != 0) {
        stub_request_free(&req);
        http_response_text(resp, 500, NULL, "{\"error\":\"out of memory\"}");
        return;
    }
    if (d.scripted)
        prom_counter_inc(s->scripted);
    if (d.fault != STUB_FAULT_NONE)
        prom_counter_inc(s->faults[d.fault]);
    log_debug("llm request id=%llu path=%s status=%d hang=%d latency_ms=%d scripted=%d",
              (unsigned long long)d.req_id, hreq->path, d.status, d.hang, d.latency_ms,
              d.scripted);
    if (d.hang) {
        prom_gauge_add(s->held, 1);
        int why = http_request_wait(hreq, s->hang_max_ms > 0 ? s->hang_max_ms : -1);
        prom_gauge_add(s->held, -1);
        prom_counter_inc(s->dropped);
        log_debug("held request ended id=%llu reason=%s", (unsigned long long)d.req_id,
                  why == 1 ? "client_left" : why == 2 ? "stopping" : "hang_max");
        resp->drop = 1;
        goto done;
    }
    if (d.latency_ms > 0) {
        prom_histogram_observe(s->delay, d.latency_ms / 1000.0);
        if (http_request_wait(hreq, d.latency_ms) != 0) {
            prom_counter_inc(s->dropped);
            resp->drop = 1;
            goto done;
        }
    }
    if (d.forward) {
        forward_upstream(s, hreq, &req, resp);
        stub_engine_finish(s->engine, d.req_id, resp->status);
    } else {
        answer_locally(s, &req, &d, at, resp);
    }
    if (d.retry_after_s >= 0 && resp->status != 200) {
        char v[16];
        snprintf(v, sizeof(v), "%d", d.retry_after_s);
        http_response_header(resp, "Retry-After", v);
    }
    count_status(s, resp->status);
done:
    stub_decision_free(&d);
    stub_request_free(&req);
}

/* ---- model listings ---- */

static void handle_listing(stub_server *s, const http_request *hreq, http_response *resp)
{
    if (s->proxy) {
        forward_upstream(s, hreq, NULL, resp);
        return;
    }
    stub_faults f;
    stub_engine_faults(s->engine, &f);
    char at[TIMEUTIL_ISO_LEN];
    timeutil_now_iso(at, sizeof(at));
    if (strcmp(hreq->path, "/api/tags") == 0)
        take_reply(resp, 200, "application/json", stub_api_render_tags(f.model, at));
    else
        take_reply(resp, 200, "application/json",
                       stub_api_render_models(f.model, (long long)time(NULL)));
}

/* ---- admin (the server answers 405 with Allow for the methods not routed) ---- */

static void handle_admin_config(void *opaque, const http_request *hreq, http_response *resp)
{
    stub_server *s = opaque;
    char err[256];
    if (strcmp(hreq->method, "GET") != 0) { /* POST, PUT, PATCH: a partial update */
        if (stub_engine_config_update(s->engine, hreq->body, hreq->body_len, err, sizeof(err)) != 0) {
            http_response_error(resp, 400, "%s", err);
            return;
        }
        log_info("config changed body=%.300s", hreq->body);
    }
    http_response_json(resp, 200, stub_engine_config_json(s->engine));
}

static void handle_admin_script(void *opaque, const http_request *hreq, http_response *resp)
{
    stub_server *s = opaque;
    char err[256];
    if (strcmp(hreq->method, "POST") == 0) {
        if (stub_engine_script_add(s->engine, hreq->body, hreq->body_len, err, sizeof(err)) != 0) {
            http_response_error(resp, 400, "%s", err);
            return;
        }
        log_info("script added bytes=%zu", hreq->body_len);
    } else if (strcmp(hreq->method, "DELETE") == 0) {
        stub_engine_script_clear(s->engine);
        log_info("scripts cleared");
        http_response_json(resp, 200, json_pack("{s:[]}", "scripts"));
        return;
    }
    http_response_json(resp, 200, stub_engine_script_json(s->engine));
}

static void handle_admin_requests(void *opaque, const http_request *hreq, http_response *resp)
{
    stub_server *s = opaque;
    if (strcmp(hreq->method, "DELETE") == 0) {
        stub_engine_requests_clear(s->engine);
        http_response_json(resp, 200, json_pack("{s:[]}", "requests"));
        return;
    }
    http_response_json(resp, 200, stub_engine_requests_json(s->engine, http_request_query(hreq, "match")));
}

static void handle_health(void *opaque, const http_request *hreq, http_response *resp)
{
    stub_server *s = opaque;
    (void)hreq;
    stub_faults f;
    stub_engine_faults(s->engine, &f);
    json_t *o = json_pack("{s:s,s:s,s:s}", "status", "ok", "mode", s->proxy ? "proxy" : "stub",
                          "model", f.model);
    if (o && s->proxy)
        json_object_set_new(o, "upstream", json_string(stub_proxy_upstream(s->proxy)));
    http_response_json(resp, 200, o);
}

/* ---- routes ---- */

static void route_llm(void *opaque, const http_request *hreq, http_response *resp)
{
    handle_llm(opaque, hreq, resp);
}

static void route_listing(void *opaque, const http_request *hreq, http_response *resp)
{
    handle_listing(opaque, hreq, resp);
}

static void route_version(void *opaque, const http_request *hreq, http_response *resp)
{
    (void)opaque;
    (void)hreq;
    http_response_text(resp, 200, NULL, "{\"version\":\"0.0.0-qaflow-llm-stub\"}");
}

/* Proxy mode: other /api/ and /v1/ calls pass through untouched, except a wrong method on the
 * paths the stub handles itself (405 as the server gives it without the pass-through). */
static void route_passthrough(void *opaque, const http_request *hreq, http_response *resp)
{
    const char *p = hreq->path;
    int llm = stub_api_kind_for_path(p) >= 0;
    if (llm || strcmp(p, "/api/tags") == 0 || strcmp(p, "/v1/models") == 0) {
        http_response_error(resp, 405, "method %s not allowed on %s", hreq->method, p);
        http_response_header(resp, "Allow", llm ? "POST" : "GET");
    } else {
        forward_upstream(opaque, hreq, NULL, resp);
    }
}

#define STUB_MAX_ROUTES 32

/* Fills routes (STUB_MAX_ROUTES at most); returns how many. */
static size_t stub_server_routes(stub_server *s, http_route *r)
{
    static const char *const admin_config[] = {"GET", "POST", "PUT", "PATCH"};
    static const char *const admin_script[] = {"GET", "POST", "DELETE"};
    static const char *const admin_requests[] = {"GET", "DELETE"};
    static const char *const any[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    size_t n = 0;
    r[n++] = (http_route){"POST", "/api/generate", 0, route_llm, s};
    r[n++] = (http_route){"POST", "/v1/chat/completions", 0, route_llm, s};
    r[n++] = (http_route){"POST", "/v1/completions", 0, route_llm, s};
    r[n++] = (http_route){"GET", "/api/tags", 0, route_listing, s};
    r[n++] = (http_route){"GET", "/v1/models", 0, route_listing, s};
    if (!s->proxy)
        r[n++] = (http_route){"GET", "/api/version", 0, route_version, s};
    for (size_t i = 0; i < sizeof(admin_config) / sizeof(*admin_config); i++)
        r[n++] = (http_route){admin_config[i], "/admin/config", 0, handle_admin_config, s};
    for (size_t i = 0; i < sizeof(admin_script) / sizeof(*admin_script); i++) {
        r[n++] = (http_route){admin_script[i], "/admin/script", 0, handle_admin_script, s};
        r[n++] = (http_route){admin_script[i], "/admin/scripts", 0, handle_admin_script, s};
    }
    for (size_t i = 0; i < sizeof(admin_requests) / sizeof(*admin_requests); i++)
        r[n++] = (http_route){admin_requests[i], "/admin/requests", 0, handle_admin_requests, s};
    if (s->proxy) {
        for (size_t i = 0; i < sizeof(any) / sizeof(*any); i++) {
            r[n++] = (http_route){any[i], "/api/", 1, route_passthrough, s};
            r[n++] = (http_route){any[i], "/v1/", 1, route_passthrough, s};
        }
    }
    return n;
}

static int stub_server_metrics(stub_server *s)
{
    s->prom = prom_registry_create();
    if (!s->prom)
        return -1;
    for (int i = 0; i < 3; i++)
        s->requests[i] = prom_counter_create(s->prom, "qaflow_llmstub_requests_total",
                                             "LLM API requests received, by API", api_labels[i]);
    static const char *const st[M_STATUS_N] = {"status=\"200\"", "status=\"400\"",
                                               "status=\"402\"", "status=\"429\"",
                                               "status=\"503\"", "status=\"other\""};
    for (int i = 0; i < M_STATUS_N; i++)
        s->responses[i] = prom_counter_create(s->prom, "qaflow_llmstub_responses_total",
                                              "LLM API responses sent, by status", st[i]);
    static const char *const fk[5] = {NULL, "kind=\"503\"", "kind=\"429\"", "kind=\"402\"",
                                      "kind=\"hang\""};
    for (int i = 1; i < 5; i++)
        s->faults[i] = prom_counter_create(s->prom, "qaflow_llmstub_faults_injected_total",
                                           "Faults injected by the random draw", fk[i]);
    s->scripted = prom_counter_create(s->prom, "qaflow_llmstub_scripted_total",
                                      "Requests answered from a script", NULL);
    s->bad_requests = prom_counter_create(s->prom, "qaflow_llmstub_bad_requests_total",
                                          "Requests with an unusable body (400)", NULL);
    s->dropped = prom_counter_create(s->prom, "qaflow_llmstub_dropped_total",
                                     "Held or delayed requests closed without an answer", NULL);
    s->upstream_errors = prom_counter_create(s->prom, "qaflow_llmstub_upstream_errors_total",
                                             "Proxy mode: upstream unreachable", NULL);
    s->held = prom_gauge_create(s->prom, "qaflow_llmstub_held_requests",
                                "Requests being held (hang fault) right now", NULL);
    s->delay = prom_histogram_create(s->prom, "qaflow_llmstub_injected_latency_seconds",
                                     "Latency injected before answering", NULL,
                                     prom_latency_buckets, prom_latency_nbuckets);
    for (int i = 0; i < 3; i++)
        if (!s->requests[i])
            return -1;
    return s->delay && s->held ? 0 : -1;
}

stub_server *stub_server_create(const stub_server_opts *o, char *err, size_t errlen)
{
    stub_server *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->hang_max_ms = o->hang_max_ms;
    int proxy = o->upstream && *o->upstream;
    if (proxy && !(s->proxy = stub_proxy_create(o->upstream, o->upstream_timeout_ms, err, errlen)))
        goto fail;
    s->engine = stub_engine_create(o->faults, o->seed, o->reqlog_capacity, proxy, err, errlen);
    if (!s->engine)
        goto fail;
    if (stub_server_metrics(s) != 0) {
        snprintf(err, errlen, "cannot create metrics");
        goto fail;
    }
    http_route routes[STUB_MAX_ROUTES];
    /* One thread per connection: held and delayed requests block nobody else. libmicrohttpd's
     * own messages at debug level: it reports every deliberately dropped connection. */
    http_server_opts ho = {
        .bind_addr = o->bind_addr,
        .port = o->port,
        .thread_per_connection = 1,
        .threads = o->max_conns > 0 ? o->max_conns : 1024,
        .thread_stack = 512 * 1024,
        .conn_timeout_s = 300,
        .max_body = o->max_body ? o->max_body : 1 << 20,
        .routes = routes,
        .nroutes = stub_server_routes(s, routes),
        .health = handle_health,
        .health_opaque = s,
        .prom = s->prom,
        .quiet_mhd_log = 1,
    };
    s->http = http_server_create(&ho, err, errlen);
    if (!s->http)
        goto fail;
    return s;
fail:
    stub_server_destroy(s);
    return NULL;
}

void stub_server_destroy(stub_server *s)
{
    if (!s)
        return;
    http_server_destroy(s->http); /* wakes held requests, joins every connection thread first */
    stub_engine_destroy(s->engine);
    stub_proxy_destroy(s->proxy);
    prom_registry_destroy(s->prom);
    free(s);
}

int stub_server_port(const stub_server *s)
{
    return http_server_port(s->http);
}
