/* scorer_http.c -- thread-per-connection libmicrohttpd glue for qaflow-scorer (routes, body limit, /health, /metrics). */
#include "scorer_http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"
#include "prom.h"

#define SH_CODES 8
static const int sh_codes[SH_CODES] = {200, 400, 404, 405, 413, 500, 503, 0}; /* 0: any other */

struct scorer_http {
    struct MHD_Daemon *d;
    http_route *routes;
    size_t nroutes;
    size_t max_body;
    http_handler health;
    void *health_opaque;
    prom_registry *prom;
    prom_counter *requests[SH_CODES];
    prom_histogram *duration;
    int port;
    int log_requests;
};

typedef struct sh_ctx {
    char *body;
    size_t len, cap;
    int too_large;
    struct timespec t0;
} sh_ctx;

static double sh_elapsed(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void sh_metrics(http_response *resp, prom_registry *prom)
{
    char *text = prom ? prom_registry_render(prom) : NULL;
    if (!text) {
        http_response_error(resp, prom ? 500 : 404, "%s", prom ? "cannot render metrics" : "no metrics");
        return;
    }
    http_response_take(resp, 200, PROM_CONTENT_TYPE, text, strlen(text));
}

static void sh_dispatch(scorer_http *s, http_request *req, http_response *resp)
{
    int path_known = 0;
    for (size_t i = 0; i < s->nroutes; i++) {
        if (strcmp(req->path, s->routes[i].path) != 0)
            continue;
        path_known = 1;
        if (strcmp(req->method, s->routes[i].method) == 0) {
            s->routes[i].fn(s->routes[i].opaque, req, resp);
            return;
        }
    }
    if (strcmp(req->path, "/health") == 0 && strcmp(req->method, "GET") == 0) {
        if (s->health)
            s->health(s->health_opaque, req, resp);
        else
            http_response_json(resp, 200, json_pack("{s:s}", "status", "ok"));
        return;
    }
    if (strcmp(req->path, "/metrics") == 0 && strcmp(req->method, "GET") == 0) {
        sh_metrics(resp, s->prom);
        return;
    }
    if (path_known || strcmp(req->path, "/health") == 0 || strcmp(req->path, "/metrics") == 0) {
        http_response_error(resp, 405, "method %s not allowed on %s", req->method, req->path);
        return;
    }
    http_response_error(resp, 404, "no such path: %s", req->path);
}

static enum MHD_Result sh_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                     const char *method, const char *version, const char *upload_data,
                                     size_t *upload_data_size, void **con_cls)
{
    (void)version;
    scorer_http *s = cls;
    sh_ctx *ctx = *con_cls;
    if (!ctx) {
        ctx = calloc(1, sizeof *ctx);
        if (!ctx)
            return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &ctx->t0);
        *con_cls = ctx;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (ctx->too_large || ctx->len + n > s->max_body) {
            ctx->too_large = 1;   /* keep reading, answer 413 at the end */
            return MHD_YES;
        }
        if (ctx->len + n + 1 > ctx->cap) {
            size_t cap = ctx->cap ? ctx->cap : 4096;
            while (cap < ctx->len + n + 1)
                cap *= 2;
            char *nb = realloc(ctx->body, cap);
            if (!nb)
                return MHD_NO;
            ctx->body = nb;
            ctx->cap = cap;
        }
        memcpy(ctx->body + ctx->len, upload_data, n);
        ctx->len += n;
        return MHD_YES;
    }
    http_request req = {.method = method, .path = url, .subpath = "", .body = ctx->body ? ctx->body : "",
                        .body_len = ctx->len, .conn = conn};
    if (ctx->body)
        ctx->body[ctx->len] = '\0';
    http_response resp;
    memset(&resp, 0, sizeof resp);
    if (ctx->too_large)
        http_response_error(&resp, 413, "request body larger than %zu bytes", s->max_body);
    else
        sh_dispatch(s, &req, &resp);
    if (resp.status == 0)
        resp.status = 500;
    struct MHD_Response *r = MHD_create_response_from_buffer(resp.body_len, resp.body ? resp.body : (void *)"",
                                                             resp.body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(resp.body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            resp.content_type ? resp.content_type : "application/json");
    for (int i = 0; i < resp.nheaders; i++)
        MHD_add_response_header(r, resp.header_names[i], resp.header_values[i]);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp.status, r);
    MHD_destroy_response(r);
    if (s->prom) {
        int k = SH_CODES - 1;
        for (int i = 0; i < SH_CODES - 1; i++)
            if (sh_codes[i] == resp.status)
                k = i;
        prom_counter_inc(s->requests[k]);
        prom_histogram_observe(s->duration, sh_elapsed(&ctx->t0));
    }
    if (s->log_requests)
        log_debug("http %s %s -> %d", method, url, resp.status);
    return ret;
}

static void sh_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                            enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    sh_ctx *ctx = *con_cls;
    if (ctx) {
        free(ctx->body);
        free(ctx);
        *con_cls = NULL;
    }
}

static void sh_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    log_warn("microhttpd: %s", buf);
}

scorer_http *scorer_http_create(const http_server_opts *o, char *err, size_t errlen)
{
    scorer_http *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->max_body = o->max_body ? o->max_body : 65536;
    s->health = o->health;
    s->health_opaque = o->health_opaque;
    s->prom = o->prom;
    s->log_requests = o->log_requests;
    if (o->nroutes) {
        s->routes = calloc(o->nroutes, sizeof *s->routes);
        if (!s->routes) {
            free(s);
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
        memcpy(s->routes, o->routes, o->nroutes * sizeof *s->routes);
        s->nroutes = o->nroutes;
    }
    if (s->prom) {
        for (int i = 0; i < SH_CODES; i++) {
            char labels[32];
            if (sh_codes[i])
                snprintf(labels, sizeof labels, "code=\"%d\"", sh_codes[i]);
            else
                snprintf(labels, sizeof labels, "code=\"other\"");
            s->requests[i] = prom_counter_create(s->prom, "qaflow_http_requests_total", "HTTP requests by status code", labels);
        }
        s->duration = prom_histogram_create(s->prom, "qaflow_http_request_duration_seconds",
                                            "HTTP request latency (first byte in to response queued)", NULL,
                                            prom_latency_buckets, prom_latency_nbuckets);
        int ok = s->duration != NULL;
        for (int i = 0; i < SH_CODES; i++)
            ok = ok && s->requests[i];
        if (!ok) {
            snprintf(err, errlen, "cannot create HTTP metrics");
            scorer_http_destroy(s);
            return NULL;
        }
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)o->port);
    if (inet_pton(AF_INET, o->bind_addr ? o->bind_addr : "127.0.0.1", &sa.sin_addr) != 1) {
        snprintf(err, errlen, "bad bind address '%s' (IPv4 expected)", o->bind_addr);
        scorer_http_destroy(s);
        return NULL;
    }
    unsigned limit = o->threads > 0 ? (unsigned)o->threads : 256;
    s->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                                MHD_USE_ERROR_LOG,
                            (uint16_t)o->port, NULL, NULL, sh_on_request, s,
                            MHD_OPTION_EXTERNAL_LOGGER, sh_log, NULL,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
                            MHD_OPTION_CONNECTION_LIMIT, limit,
                            MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
                            MHD_OPTION_NOTIFY_COMPLETED, sh_on_completed, s,
                            MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, errlen, "cannot listen on %s:%d", o->bind_addr ? o->bind_addr : "127.0.0.1", o->port);
        scorer_http_destroy(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? (int)info->port : o->port;
    return s;
}

void scorer_http_destroy(scorer_http *s)
{
    if (!s)
        return;
    if (s->d)
        MHD_stop_daemon(s->d);
    free(s->routes);
    free(s);
}

int scorer_http_port(const scorer_http *s)
{
    return s->port;
}
