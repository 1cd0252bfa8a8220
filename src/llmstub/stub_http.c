/* stub_http.c -- libmicrohttpd in thread-per-connection mode, bounded bodies, interruptible waits */
#include "stub_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "http.h"
#include "log.h"

struct stub_http {
    struct MHD_Daemon *d;
    stub_http_handler fn;
    void *opaque;
    size_t max_body;
    int port;
    atomic_int stopping;
};

typedef struct http_ctx {
    http_body body;             /* qaflow_common's bounded body (http.h) */
} http_ctx;

const char *stub_http_query(const stub_http_req *req, const char *key)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *stub_http_header(const stub_http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

void stub_http_take(stub_http_resp *r, int status, const char *content_type, char *body)
{
    free(r->body);
    r->status = body ? status : 500;
    r->body = body;
    r->body_len = body ? strlen(body) : 0;
    r->content_type = content_type;
}

void stub_http_text(stub_http_resp *r, int status, const char *content_type, const char *text)
{
    stub_http_take(r, status, content_type, strdup(text ? text : ""));
}

void stub_http_add_header(stub_http_resp *r, const char *name, const char *value)
{
    if (r->nheaders >= STUB_HTTP_MAX_HEADERS)
        return;
    r->header_names[r->nheaders] = name;
    snprintf(r->header_values[r->nheaders], sizeof(r->header_values[0]), "%s", value);
    r->nheaders++;
}

static int client_gone(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN | POLLRDHUP};
    if (poll(&p, 1, 0) <= 0)
        return 0;
    if (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))
        return 1;
    if (p.revents & POLLIN) {
        char c;
        ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return 1;
    }
    return 0;
}

int stub_http_wait(stub_http *s, const stub_http_req *req, long ms)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    int fd = ci ? ci->connect_fd : -1;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        if (atomic_load(&s->stopping))
            return 2;
        if (fd >= 0 && client_gone(fd))
            return 1;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long elapsed = (now.tv_sec - start.tv_sec) * 1000L + (now.tv_nsec - start.tv_nsec) / 1000000L;
        if (ms >= 0 && elapsed >= ms)
            return 0;
        long slice = ms < 0 ? 50 : ms - elapsed;
        if (slice > 50)
            slice = 50;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = slice * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static enum MHD_Result http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                       const char *method, const char *version,
                                       const char *upload_data, size_t *upload_data_size,
                                       void **con_cls)
{
    stub_http *s = cls;
    http_ctx *ctx = *con_cls;
    if (!ctx) {
        ctx = calloc(1, sizeof(*ctx));
        if (!ctx)
            return MHD_NO;
        *con_cls = ctx;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        return http_body_append(&ctx->body, upload_data, n, s->max_body) == 0 ? MHD_YES : MHD_NO;
    }
    stub_http_resp resp;
    memset(&resp, 0, sizeof(resp));
    if (ctx->body.too_large) {
        char msg[96];
        snprintf(msg, sizeof(msg), "{\"error\":\"request body larger than %zu bytes\"}", s->max_body);
        stub_http_text(&resp, 413, NULL, msg);
    } else {
        stub_http_req req = {method, url, ctx->body.data ? ctx->body.data : "", ctx->body.len, conn};
        s->fn(s->opaque, &req, &resp);
    }
    if (resp.drop) {
        free(resp.body);
        return MHD_NO; /* closes the connection without an answer */
    }
    if (resp.status == 0)
        resp.status = 500;
    struct MHD_Response *r = MHD_create_response_from_buffer(
        resp.body_len, resp.body ? resp.body : (void *)"",
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
    return ret;
}

static void http_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    http_ctx *ctx = *con_cls;
    if (!ctx)
        return;
    http_body_free(&ctx->body);
    free(ctx);
    *con_cls = NULL;
}

static void http_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char buf[512];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    size_t n = strlen(buf);
    while (n > 0 && buf[n - 1] == '\n')
        buf[--n] = '\0';
    log_debug("microhttpd: %s", buf);
}

stub_http *stub_http_create(const char *bind_addr, int port, size_t max_body, int max_conns,
                            stub_http_handler fn, void *opaque, char *err, size_t errlen)
{
    stub_http *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->fn = fn;
    s->opaque = opaque;
    s->max_body = max_body ? max_body : 1 << 20;
    atomic_init(&s->stopping, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    const char *addr = bind_addr && *bind_addr ? bind_addr : "127.0.0.1";
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "bad bind address '%s' (IPv4 expected)", addr);
        free(s);
        return NULL;
    }
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG;
    s->d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, http_on_request, s,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)(max_conns > 0 ? max_conns : 1024),
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300,
                            MHD_OPTION_THREAD_STACK_SIZE, (size_t)(512 * 1024),
                            MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
                            MHD_OPTION_NOTIFY_COMPLETED, http_on_completed, s,
                            MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, NULL,
                            MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, errlen, "cannot listen on %s:%d (port in use or not permitted)", addr, port);
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info && info->port ? info->port : port;
    return s;
}

void stub_http_destroy(stub_http *s)
{
    if (!s)
        return;
    atomic_store(&s->stopping, 1);
    MHD_stop_daemon(s->d);
    free(s);
}

int stub_http_port(const stub_http *s)
{
    return s->port;
}
