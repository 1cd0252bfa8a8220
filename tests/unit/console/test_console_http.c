/* test_console_http.c -- a streamed response through qaflow_common's server (as /api/events uses it) and the console's static files, over loopback. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "http.h"
#include "probe.h"
#include "www.h"

typedef struct chunks {
    int next;
    int *freed;
} chunks;

static ssize_t chunk_read(void *opaque, uint64_t pos, char *buf, size_t max)
{
    chunks *c = opaque;
    if (c->next == 3) return HTTP_STREAM_END;
    int n = snprintf(buf, max, "data: %d\n\n", c->next++);
    return n;
}

static void chunk_free(void *opaque)
{
    chunks *c = opaque;
    (*c->freed)++;
    free(c);
}

static int freed;

static void stream_handler(void *opaque, const http_request *req, http_response *resp)
{
    chunks *c = calloc(1, sizeof *c);
    c->freed = &freed;
    http_response_stream(resp, 200, "text/event-stream", chunk_read, chunk_free, c);
}

static void get(int port, const char *path, probe_reply *r)
{
    char url[256], err[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    int rc = probe_http(url, NULL, 0, 5000, r, err, sizeof err);
    CHECK_MSG(rc == 0, "%s: %s", path, err);
}

int main(void)
{
    char err[256];
    www *w = www_create(CONSOLE_WWW_DIR, "/nonexistent", err, sizeof err);
    CHECK_MSG(w != NULL, "%s", err);
    CHECK(www_create("/nonexistent", "/nonexistent", err, sizeof err) == NULL);
    const http_route routes[] = {
        { "GET", "/stream", 0, stream_handler, NULL },
        { "GET", "/static/", 1, www_static, w },
        { "GET", "/", 0, www_page, w },
        { "GET", "/questions/", 1, www_page, w },
    };
    http_server_opts o = { .port = 0, .thread_per_connection = 1, .threads = 8, .routes = routes, .nroutes = 4 };
    http_server *s = http_server_create(&o, err, sizeof err);
    CHECK_MSG(s != NULL, "%s", err);
    int port = http_server_port(s);
    probe_reply r;

    get(port, "/stream", &r);
    CHECK_INT(r.status, 200);
    CHECK_STR(r.body, "data: 0\n\ndata: 1\n\ndata: 2\n\n");
    CHECK(strncmp(r.content_type, "text/event-stream", 17) == 0);
    probe_reply_free(&r);

    get(port, "/", &r);
    CHECK_INT(r.status, 200);
    CHECK(strstr(r.body, "/static/overview.js") != NULL);
    CHECK(strstr(r.body, "<title>qaflow · Overview</title>") != NULL);
    CHECK(strstr(r.body, "<body data-nav=\"/\">") != NULL);
    CHECK(strstr(r.body, "<!--") == NULL);   /* every mark filled */
    CHECK(strncmp(r.content_type, "text/html", 9) == 0);
    probe_reply_free(&r);

    get(port, "/questions/q_1", &r);
    CHECK_INT(r.status, 200);
    CHECK(strstr(r.body, "/static/question.js") != NULL);
    CHECK(strstr(r.body, "data-nav=\"/questions\"") != NULL);
    probe_reply_free(&r);

    get(port, "/static/common.js", &r);
    CHECK_INT(r.status, 200);
    CHECK(strstr(r.body, "createTextNode") != NULL);
    probe_reply_free(&r);

    /* an escaped ".." reaches the handler as "static/../..." and is refused */
    get(port, "/static/%2e%2e/main.c", &r);
    CHECK_INT(r.status, 404);
    probe_reply_free(&r);
    get(port, "/static/nope.js", &r);
    CHECK_INT(r.status, 404);
    probe_reply_free(&r);

    http_server_destroy(s);
    CHECK_INT(freed, 1);   /* the stream's state was freed once */
    www_destroy(w);
    return CHECK_DONE();
}
