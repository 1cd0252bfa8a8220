/* http.c -- libmicrohttpd server: routing, bounded bodies, JSON/text replies, /health and /metrics. */
#include "http.h"

#include <microhttpd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "timeutil.h"
#include "utf8.h"

struct http_server {
    struct MHD_Daemon *d;
    http_route *routes;
    size_t nroutes;
    size_t max_body;
    http_handler health;
    void *health_opaque;
    prom_registry *prom;
    prom_counter *req_by_class[6];   /* index = status / 100 (1xx..5xx) */
    prom_histogram *latency;
    int log_requests;
    int quiet_mhd_log;
    int port;
    MHD_socket quiesced;        /* the listening socket after http_server_stop; closed in destroy */
    atomic_int stopping;        /* set by http_server_stop / destroy: http_request_wait returns 2 */
    atomic_int inflight;        /* requests from their first callback to on_completed */
};

/* Per-request state, allocated at the first callback and freed in request_completed. */
typedef struct req_ctx {
    http_body body;
    int64_t start_us;
} req_ctx;

size_t http_body_curl_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
    http_body *b = ud;
    size_t n = size * nmemb;
    return http_body_append(b, ptr, n, b->max) == 0 && !b->too_large ? n : 0;
}

void http_body_reset(http_body *b)
{
    b->len = 0;
    b->too_large = 0;
    if (b->data) b->data[0] = '\0';
}

int http_body_append(http_body *b, const char *data, size_t n, size_t max)
{
    if (b->too_large) return 0;
    if (b->len + n > max) {
        b->too_large = 1;
        free(b->data);
        b->data = NULL;
        b->len = b->cap = 0;
        return 0;
    }
    if (b->len + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap : 1024;
        while (ncap < b->len + n + 1) ncap *= 2;
        char *nb = realloc(b->data, ncap);
        if (!nb) return -1;
        b->data = nb;
        b->cap = ncap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

void http_body_free(http_body *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

const char *http_request_header(const http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_request_query(const http_request *req, const char *key)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

int http_request_client_gone(const http_request *req)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!ci) return 0;
    struct pollfd p = { .fd = ci->connect_fd, .events = POLLIN | POLLRDHUP };
    if (poll(&p, 1, 0) <= 0) return 0;
    if (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) return 1;
    if (p.revents & POLLIN) {   /* readable: either a pipelined request or the end of the stream */
        char c;
        ssize_t n = recv(ci->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return 1;
    }
    return 0;
}

int http_request_wait(const http_request *req, long ms)
{
    int64_t start = timeutil_mono_us();
    for (;;) {
        if (req->server && atomic_load(&req->server->stopping)) return 2;
        if (http_request_client_gone(req)) return 1;
        long elapsed = (long)((timeutil_mono_us() - start) / 1000);
        if (ms >= 0 && elapsed >= ms) return 0;
        long slice = ms < 0 || ms - elapsed > 50 ? 50 : ms - elapsed;
        struct timespec ts = { .tv_sec = 0, .tv_nsec = slice * 1000000L };
        nanosleep(&ts, NULL);
    }
}

void http_response_take(http_response *resp, int status, const char *content_type, char *body, size_t len)
{
    free(resp->body);
    resp->status = status;
    resp->body = body;
    resp->body_len = body ? len : 0;
    resp->content_type = content_type;
}

void http_response_stream(http_response *resp, int status, const char *content_type,
                          ssize_t (*stream)(void *, uint64_t, char *, size_t), void (*stream_free)(void *),
                          void *opaque)
{
    free(resp->body);
    resp->body = NULL;
    resp->body_len = 0;
    resp->status = status;
    resp->content_type = content_type;
    resp->stream = stream;
    resp->stream_free = stream_free;
    resp->stream_opaque = opaque;
}

void http_response_text(http_response *resp, int status, const char *content_type, const char *text)
{
    char *copy = strdup(text ? text : "");
    if (!copy) {
        http_response_take(resp, 500, "text/plain", NULL, 0);
        return;
    }
    http_response_take(resp, status, content_type, copy, strlen(copy));
}

void http_response_json(http_response *resp, int status, json_t *obj)
{
    char *s = obj ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15)) : NULL;
    json_decref(obj);
    if (!s) {
        http_response_text(resp, 500, "application/json", "{\"error\":\"cannot encode response\"}");
        return;
    }
    http_response_take(resp, status, "application/json", s, strlen(s));
}

void http_response_error(http_response *resp, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    utf8_clean(msg); /* it may echo a request's bytes (a path, a method) or have been cut mid-character */
    http_response_json(resp, status, json_pack("{s:s}", "error", msg));
}

void http_response_header(http_response *resp, const char *name, const char *value)
{
    if (resp->nheaders >= HTTP_MAX_HEADERS) return;
    resp->header_names[resp->nheaders] = name;
    snprintf(resp->header_values[resp->nheaders], sizeof resp->header_values[0], "%s", value);
    resp->nheaders++;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int path_matches(const http_route *r, const char *path)
{
    if (r->prefix) return strncmp(path, r->path, strlen(r->path)) == 0;
    return strcmp(path, r->path) == 0;
}

static void dispatch(http_server *s, http_request *req, http_response *resp)
{
    const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
    char allow[128] = "";
    for (size_t i = 0; i < s->nroutes; i++) {
        const http_route *r = &s->routes[i];
        if (!path_matches(r, req->path)) continue;
        if (strcmp(r->method, method) == 0) {
            req->subpath = r->prefix ? req->path + strlen(r->path) : "";
            r->fn(r->opaque, req, resp);
            if (resp->status == 0) resp->status = 500;
            return;
        }
        if (!strstr(allow, r->method)) {
            size_t w = strlen(allow);
            snprintf(allow + w, sizeof allow - w, "%s%s", w ? ", " : "", r->method);
        }
    }
    if (allow[0]) {
        http_response_error(resp, 405, "method %s not allowed on %s", req->method, req->path);
        http_response_header(resp, "Allow", allow);
        return;
    }
    int is_health = strcmp(req->path, "/health") == 0;
    int is_metrics = strcmp(req->path, "/metrics") == 0 && s->prom;
    if (is_health || is_metrics) {
        if (strcmp(method, "GET") != 0) {
            http_response_error(resp, 405, "method %s not allowed on %s", req->method, req->path);
            http_response_header(resp, "Allow", "GET");
            return;
        }
        if (is_health) {
            if (s->health) s->health(s->health_opaque, req, resp);
            else http_response_text(resp, 200, "application/json", "{\"status\":\"ok\"}");
            if (resp->status == 0) resp->status = 500;
            return;
        }
        char *text = prom_registry_render(s->prom);
        if (!text) http_response_error(resp, 500, "cannot render metrics");
        else http_response_take(resp, 200, PROM_CONTENT_TYPE, text, strlen(text));
        return;
    }
    http_response_error(resp, 404, "no such route: %s %s", req->method, req->path);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    http_server *s = cls;
    req_ctx *ctx = *con_cls;
    if (!ctx) {
        ctx = calloc(1, sizeof *ctx);
        if (!ctx) return MHD_NO;
        ctx->start_us = timeutil_mono_us();
        *con_cls = ctx;
        atomic_fetch_add(&s->inflight, 1);
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        return http_body_append(&ctx->body, upload_data, n, s->max_body) == 0 ? MHD_YES : MHD_NO;
    }

    http_response resp;
    memset(&resp, 0, sizeof resp);
    if (ctx->body.too_large) {
        http_response_error(&resp, 413, "request body larger than %zu bytes", s->max_body);
    } else {
        http_request req = { method, url, "", ctx->body.data ? ctx->body.data : "", ctx->body.len, conn, s };
        dispatch(s, &req, &resp);
    }
    if (resp.drop) {
        free(resp.body);
        if (resp.stream && resp.stream_free) resp.stream_free(resp.stream_opaque);
        if (s->log_requests) log_debug("http %s %s dropped", method, url);
        return MHD_NO;          /* libmicrohttpd closes the connection without an answer */
    }
    struct MHD_Response *r;
    if (resp.stream) {
        free(resp.body);
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, resp.stream, resp.stream_opaque,
                                              resp.stream_free);
        if (!r && resp.stream_free) resp.stream_free(resp.stream_opaque);
    } else {
        r = MHD_create_response_from_buffer(resp.body_len, resp.body ? resp.body : (void *)"",
                                            resp.body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
        if (!r) free(resp.body);
    }
    if (!r) return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            resp.content_type ? resp.content_type : "application/json");
    for (int i = 0; i < resp.nheaders; i++)
        MHD_add_response_header(r, resp.header_names[i], resp.header_values[i]);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp.status, r);
    MHD_destroy_response(r);
    int cls_idx = resp.status / 100;
    if (s->prom && cls_idx >= 1 && cls_idx <= 5) {
        prom_counter_inc(s->req_by_class[cls_idx]);
        prom_histogram_observe(s->latency, (double)(timeutil_mono_us() - ctx->start_us) / 1e6);
    }
    if (s->log_requests) log_debug("http %s %s status=%d", method, url, resp.status);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    http_server *s = cls;
    req_ctx *ctx = *con_cls;
    if (!ctx) return;
    http_body_free(&ctx->body);
    free(ctx);
    *con_cls = NULL;
    atomic_fetch_sub(&s->inflight, 1);
}

/* A request line with more query arguments than this is refused before libmicrohttpd parses them. */
#define HTTP_MAX_QUERY_ARGS 256

/* Called with the request line before its query arguments are parsed. libmicrohttpd (0.9.75) keeps
 * every argument in the connection's memory pool; when they do not fit it gives up without an
 * answer and holds the connection until its timeout. Such a request gets 414 at once here, written
 * on the socket, which is then shut down so libmicrohttpd closes the connection. Returns NULL (the
 * request's initial state). */
static void *uri_check(void *cls, const char *uri, struct MHD_Connection *conn)
{
    static const char body[] = "{\"error\":\"more than 256 query arguments\"}";
    http_server *s = cls;
    size_t args = 0;
    for (const char *q = strchr(uri, '?'); q && *q; q++)
        args += *q == '?' || *q == '&' || *q == ';';
    if (args <= HTTP_MAX_QUERY_ARGS)
        return NULL;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci) {
        char head[160];
        int n = snprintf(head, sizeof head, "HTTP/1.1 414 URI Too Long\r\nContent-Type: application/json\r\n"
                         "Connection: close\r\nContent-Length: %zu\r\n\r\n", sizeof body - 1);
        (void)!send(ci->connect_fd, head, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
        (void)!send(ci->connect_fd, body, sizeof body - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
        shutdown(ci->connect_fd, SHUT_RDWR);
    }
    if (s->prom)
        prom_counter_inc(s->req_by_class[4]);
    return NULL;
}

/* URL unescaping as libmicrohttpd does it, except that %00 is left as the literal "%00": a
 * decoded NUL would silently cut the path short ("/status/q_%00x" must not read as "q_"). */
static size_t unescape_url(void *cls, struct MHD_Connection *conn, char *uri)
{
    char *r = uri, *w = uri;
    while (*r) {
        int hi, lo;
        if (r[0] == '%' && r[1] && r[2] && (hi = hexval(r[1])) >= 0 && (lo = hexval(r[2])) >= 0 &&
            (hi | lo) != 0) {
            *w++ = (char)(hi * 16 + lo);
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return (size_t)(w - uri);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    const http_server *s = cls;
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t n = strlen(buf);
    while (n > 0 && buf[n - 1] == '\n') buf[--n] = '\0';
    if (s->quiet_mhd_log) log_debug("microhttpd: %s", buf);
    else log_warn("microhttpd: %s", buf);
}

http_server *http_server_create(const http_server_opts *o, char *err, size_t errlen)
{
    http_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->max_body = o->max_body ? o->max_body : 65536;
    s->health = o->health;
    s->health_opaque = o->health_opaque;
    s->prom = o->prom;
    s->log_requests = o->log_requests;
    s->quiet_mhd_log = o->quiet_mhd_log;
    s->quiesced = MHD_INVALID_SOCKET;
    atomic_init(&s->stopping, 0);
    atomic_init(&s->inflight, 0);
    if (o->nroutes) {
        s->routes = malloc(o->nroutes * sizeof *s->routes);
        if (!s->routes) {
            free(s);
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
        memcpy(s->routes, o->routes, o->nroutes * sizeof *s->routes);
        s->nroutes = o->nroutes;
    }
    if (s->prom) {
        static const char *const cls_labels[6] = { NULL, "code=\"1xx\"", "code=\"2xx\"", "code=\"3xx\"",
                                                   "code=\"4xx\"", "code=\"5xx\"" };
        for (int i = 1; i <= 5; i++)
            s->req_by_class[i] = prom_counter_create(s->prom, "qaflow_http_requests_total",
                                                     "HTTP requests served, by status class", cls_labels[i]);
        s->latency = prom_histogram_create(s->prom, "qaflow_http_request_duration_seconds",
                                           "HTTP request handling time", NULL, prom_latency_buckets,
                                           prom_latency_nbuckets);
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)o->port);
    const char *addr = o->bind_addr && *o->bind_addr ? o->bind_addr : "127.0.0.1";
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "bad bind address '%s' (IPv4 expected)", addr);
        free(s->routes);
        free(s);
        return NULL;
    }
    /* ITC: needed by MHD_quiesce_daemon (http_server_stop) in the threaded modes. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    struct MHD_OptionItem mode[3];
    int nmode = 0;
    if (o->thread_per_connection) {
        flags |= MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;
        unsigned limit = o->threads > 0 ? (unsigned)o->threads : 256;
        mode[nmode++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, limit, NULL };
        if (o->thread_stack)
            mode[nmode++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_STACK_SIZE, (intptr_t)o->thread_stack, NULL };
    } else {
        flags |= MHD_USE_EPOLL;
        unsigned threads = o->threads > 0 ? (unsigned)o->threads : 2;
        mode[nmode++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE, threads, NULL };
        mode[nmode++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, 4096, NULL };
    }
    mode[nmode] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
    s->d = MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, on_request, s,
                            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_ARRAY, mode,
                            MHD_OPTION_CONNECTION_TIMEOUT, o->conn_timeout_s ? o->conn_timeout_s : 30u,
                            MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_UNESCAPE_CALLBACK, unescape_url, NULL,
                            MHD_OPTION_URI_LOG_CALLBACK, uri_check, s,
                            MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, errlen, "cannot listen on %s:%d (port in use or not permitted)", addr, o->port);
        free(s->routes);
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : o->port;
    return s;
}

int http_server_stop(http_server *s, long timeout_ms)
{
    if (!s) return 0;
    atomic_store(&s->stopping, 1);
    if (s->quiesced == MHD_INVALID_SOCKET) s->quiesced = MHD_quiesce_daemon(s->d);
    int64_t deadline = timeutil_mono_us() + (int64_t)timeout_ms * 1000;
    while (atomic_load(&s->inflight) > 0 && timeutil_mono_us() < deadline) {
        struct timespec ts = { .tv_sec = 0, .tv_nsec = 10 * 1000000L };
        nanosleep(&ts, NULL);
    }
    return atomic_load(&s->inflight);
}

void http_server_destroy(http_server *s)
{
    if (!s) return;
    atomic_store(&s->stopping, 1);
    MHD_stop_daemon(s->d);      /* joins every server thread, so no handler is left running */
    if (s->quiesced != MHD_INVALID_SOCKET) close(s->quiesced);
    free(s->routes);
    free(s);
}

int http_server_port(const http_server *s) { return s->port; }
