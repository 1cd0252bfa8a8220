/* test_http.c -- the libmicrohttpd glue on a real loopback server: routes, 404/405, 413, bodies, /health, /metrics,
 * thread-per-connection mode, waits that notice a leaving client, graceful stop. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "http.h"
#include "prom.h"

typedef struct { char *p; size_t n; } buf;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    buf *b = ud;
    size_t add = size * nmemb;
    char *np = realloc(b->p, b->n + add + 1);
    if (!np) return 0;
    memcpy(np + b->n, ptr, add);
    b->p = np;
    b->n += add;
    b->p[b->n] = '\0';
    return add;
}

static long timeout_ms = 10000;

/* Returns the status; *body malloc'd (caller frees); hdrs gets the raw headers. */
static long request(int port, const char *method, const char *path, const char *body, size_t body_len,
                    const char *header, char **out, char **hdrs)
{
    CURL *c = curl_easy_init();
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    buf b = { NULL, 0 }, h = { NULL, 0 };
    struct curl_slist *sl = header ? curl_slist_append(NULL, header) : NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    if (sl) curl_easy_setopt(c, CURLOPT_HTTPHEADER, sl);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body_len);
    }
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(sl);
    curl_easy_cleanup(c);
    *out = b.p ? b.p : strdup("");
    if (hdrs) *hdrs = h.p ? h.p : strdup("");
    else free(h.p);
    return status;
}

/* Echoes method, subpath, body length and a query argument as JSON. */
static void echo(void *opaque, const http_request *req, http_response *resp)
{
    int *calls = opaque;
    (*calls)++;
    const char *q = http_request_query(req, "x");
    http_response_json(resp, 200, json_pack("{s:s,s:s,s:i,s:s,s:s}", "method", req->method, "sub", req->subpath,
                                            "len", (int)req->body_len, "x", q ? q : "", "body", req->body));
}

static void created(void *opaque, const http_request *req, http_response *resp)
{
    http_response_error(resp, 409, "conflict on %s", req->path);
    http_response_header(resp, "Retry-After", "7");
}

static void health(void *opaque, const http_request *req, http_response *resp)
{
    http_response_text(resp, 503, "application/json", "{\"status\":\"degraded\"}");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The blocking handlers below: "slow" sleeps for real, "held" waits with http_request_wait. */
static atomic_int slow_entered, slow_left, held_entered, held_result = -1;

static void slow(void *opaque, const http_request *req, http_response *resp)
{
    atomic_store(&slow_entered, 1);
    usleep(700 * 1000);
    atomic_store(&slow_left, 1);
    http_response_text(resp, 200, "text/plain", "slow done");
}

static void held(void *opaque, const http_request *req, http_response *resp)
{
    long *ms = opaque;
    atomic_store(&held_entered, 1);
    atomic_store(&held_result, http_request_wait(req, *ms));
    resp->drop = 1;
}

typedef struct { int port; const char *path; long client_timeout_ms; long status; double took; } bg_req;

static void *bg_request(void *arg)
{
    bg_req *b = arg;
    CURL *c = curl_easy_init();
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", b->port, b->path);
    buf out = { NULL, 0 };
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, b->client_timeout_ms);
    double t0 = now_s();
    b->status = 0;
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &b->status);
    b->took = now_s() - t0;
    free(out.p);
    curl_easy_cleanup(c);
    return NULL;
}

static int wait_flag(atomic_int *f, int want, double limit_s)
{
    double end = now_s() + limit_s;
    while (atomic_load(f) != want && now_s() < end) usleep(5000);
    return atomic_load(f) == want;
}

/* Thread-per-connection mode, http_request_wait, drop, graceful stop. */
static void test_threaded(void)
{
    char err[256], *body;
    long hold_ms = -1, short_ms = 20000;
    http_route routes[] = {
        { "GET", "/slow", 0, slow, NULL },
        { "GET", "/held", 0, held, &hold_ms },
        { "GET", "/short", 0, held, &short_ms },
    };
    http_server_opts o = { .port = 0, .threads = 16, .thread_per_connection = 1, .thread_stack = 256 * 1024,
                           .routes = routes, .nroutes = 3, .quiet_mhd_log = 1 };
    http_server *s = http_server_create(&o, err, sizeof err);
    CHECK_MSG(s != NULL, "%s", err);
    if (!s) return;
    int port = http_server_port(s);

    /* a handler blocked in a wait does not stall other requests, /health included */
    bg_req h = { port, "/held", 10000, -1, 0 };
    pthread_t th;
    pthread_create(&th, NULL, bg_request, &h);
    CHECK(wait_flag(&held_entered, 1, 5));
    double t0 = now_s();
    CHECK(request(port, "GET", "/health", NULL, 0, NULL, &body, NULL) == 200);
    free(body);
    bg_req sl = { port, "/slow", 10000, -1, 0 };
    pthread_t ts;
    pthread_create(&ts, NULL, bg_request, &sl);
    pthread_join(ts, NULL);
    CHECK_MSG(sl.status == 200 && now_s() - t0 < 3, "status %ld after %.2fs", sl.status, now_s() - t0);
    CHECK(atomic_load(&held_result) == -1);        /* still held */

    /* a client that leaves is noticed: the wait returns 1, long before its 20 s */
    atomic_store(&held_entered, 0);
    bg_req gone = { port, "/short", 300, -1, 0 };
    pthread_t tg;
    pthread_create(&tg, NULL, bg_request, &gone);
    pthread_join(tg, NULL);
    CHECK(gone.status == 0);                        /* the client timed out */
    /* the /held request is still waiting with hold_ms -1; /short's result lands in the same slot */
    CHECK(wait_flag(&held_result, 1, 3));
    atomic_store(&held_result, -1);

    /* graceful stop: the slow request in flight is answered; the held one is woken (2) and
     * dropped; new connections are refused */
    atomic_store(&slow_entered, 0);
    atomic_store(&slow_left, 0);
    bg_req sl2 = { port, "/slow", 10000, -1, 0 };
    pthread_create(&ts, NULL, bg_request, &sl2);
    CHECK(wait_flag(&slow_entered, 1, 5));
    t0 = now_s();
    int left = http_server_stop(s, 5000);
    CHECK_MSG(left == 0, "%d requests still in flight", left);
    CHECK(atomic_load(&slow_left) == 1);
    CHECK(now_s() - t0 < 3);
    pthread_join(ts, NULL);
    CHECK_MSG(sl2.status == 200, "in-flight request answered %ld", sl2.status);
    pthread_join(th, NULL);
    CHECK(atomic_load(&held_result) == 2);
    CHECK(h.status == 0 && h.took < 5);             /* dropped without an answer, not timed out */
    timeout_ms = 1000;
    CHECK(request(port, "GET", "/health", NULL, 0, NULL, &body, NULL) == 0);
    free(body);
    timeout_ms = 10000;
    http_server_destroy(s);

    /* destroy alone also wakes a held request, and does not wait for its client */
    s = http_server_create(&o, err, sizeof err);
    CHECK_MSG(s != NULL, "%s", err);
    if (!s) return;
    atomic_store(&held_entered, 0);
    atomic_store(&held_result, -1);
    bg_req h2 = { http_server_port(s), "/held", 10000, -1, 0 };
    pthread_create(&th, NULL, bg_request, &h2);
    CHECK(wait_flag(&held_entered, 1, 5));
    t0 = now_s();
    http_server_destroy(s);
    CHECK(now_s() - t0 < 2);
    pthread_join(th, NULL);
    CHECK(atomic_load(&held_result) == 2 && h2.status == 0);

    /* the pool mode stops gracefully too (a fast server with nothing in flight) */
    http_server_opts op = { .port = 0 };
    s = http_server_create(&op, err, sizeof err);
    CHECK(s != NULL && http_server_stop(s, 1000) == 0);
    http_server_destroy(s);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char err[256];

    /* http_body: chunks accumulate NUL-terminated up to the bound; past it, everything is dropped */
    http_body hb = { 0 };
    CHECK(http_body_append(&hb, "abc", 3, 8) == 0 && hb.len == 3 && strcmp(hb.data, "abc") == 0);
    CHECK(http_body_append(&hb, "defgh", 5, 8) == 0 && hb.len == 8 && strcmp(hb.data, "abcdefgh") == 0);
    CHECK(!hb.too_large);
    CHECK(http_body_append(&hb, "i", 1, 8) == 0 && hb.too_large && hb.data == NULL && hb.len == 0);
    CHECK(http_body_append(&hb, "j", 1, 8) == 0 && hb.too_large && hb.len == 0);
    http_body_free(&hb);
    CHECK(hb.data == NULL && hb.len == 0 && !hb.too_large);
    int calls = 0;
    prom_registry *reg = prom_registry_create();
    prom_counter *mine = prom_counter_create(reg, "qaflow_test_things_total", "things", NULL);
    prom_counter_add(mine, 3);
    http_route routes[] = {
        { "POST", "/echo", 0, echo, &calls },
        { "GET", "/items/", 1, echo, &calls },
        { "PUT", "/items/", 1, created, NULL },
    };
    http_server_opts o = { .port = 0, .threads = 2, .max_body = 1024, .routes = routes, .nroutes = 3, .prom = reg };
    http_server *s = http_server_create(&o, err, sizeof err);
    CHECK_MSG(s != NULL, "%s", err);
    if (!s) return CHECK_DONE();
    int port = http_server_port(s);
    CHECK(port > 0);
    char *body, *hdrs;

    /* exact route with a body */
    CHECK(request(port, "POST", "/echo?x=1", "{\"a\":1}", 7, NULL, &body, NULL) == 200);
    CHECK(strstr(body, "\"len\":7") && strstr(body, "\"x\":\"1\"") && strstr(body, "\"body\":\"{\\\"a\\\":1}\""));
    free(body);
    /* prefix route: subpath */
    CHECK(request(port, "GET", "/items/abc", NULL, 0, NULL, &body, NULL) == 200);
    CHECK(strstr(body, "\"sub\":\"abc\"") != NULL);
    free(body);
    /* handler status + extra header */
    CHECK(request(port, "PUT", "/items/abc", "", 0, NULL, &body, &hdrs) == 409);
    CHECK(strstr(body, "{\"error\":\"conflict on /items/abc\"}") != NULL);
    CHECK(strstr(hdrs, "Retry-After: 7") != NULL);
    free(body);
    free(hdrs);
    /* unknown path -> 404 JSON; known path other method -> 405 + Allow */
    CHECK(request(port, "GET", "/nope", NULL, 0, NULL, &body, NULL) == 404);
    CHECK(strstr(body, "\"error\"") != NULL);
    free(body);
    CHECK(request(port, "GET", "/echo", NULL, 0, NULL, &body, &hdrs) == 405);
    CHECK(strstr(hdrs, "Allow: POST") != NULL);
    free(body);
    free(hdrs);
    CHECK(request(port, "DELETE", "/items/1", NULL, 0, NULL, &body, &hdrs) == 405);
    CHECK(strstr(hdrs, "Allow: GET, PUT") != NULL);
    free(body);
    free(hdrs);
    /* body limit: 1024 accepted, 1025 -> 413 and the handler is not called */
    char *big = malloc(4096);
    memset(big, 'a', 4096);
    int before = calls;
    CHECK(request(port, "POST", "/echo", big, 1024, NULL, &body, NULL) == 200);
    free(body);
    CHECK(request(port, "POST", "/echo", big, 1025, NULL, &body, NULL) == 413);
    CHECK(strstr(body, "larger than 1024") != NULL);
    free(body);
    CHECK(request(port, "POST", "/echo", big, 4096, "Transfer-Encoding: chunked", &body, NULL) == 413);
    free(body);
    CHECK(calls == before + 1);
    free(big);
    /* built-in /health (default) and /metrics (the registry, with request counters) */
    CHECK(request(port, "GET", "/health", NULL, 0, NULL, &body, NULL) == 200);
    CHECK(strstr(body, "\"ok\"") != NULL);
    free(body);
    CHECK(request(port, "GET", "/metrics", NULL, 0, NULL, &body, &hdrs) == 200);
    CHECK(strstr(body, "qaflow_test_things_total 3\n") != NULL);
    CHECK(strstr(body, "qaflow_http_requests_total{code=\"2xx\"}") != NULL);
    CHECK(strstr(body, "qaflow_http_requests_total{code=\"4xx\"} 6\n") != NULL);
    CHECK(strstr(hdrs, "text/plain; version=0.0.4") != NULL);
    free(body);
    free(hdrs);
    CHECK(request(port, "POST", "/metrics", "", 0, NULL, &body, NULL) == 405);
    free(body);
    http_server_destroy(s);

    /* a health hook; the same port cannot be bound twice */
    http_server_opts o2 = { .port = 0, .health = health };
    s = http_server_create(&o2, err, sizeof err);
    CHECK(s != NULL);
    port = http_server_port(s);
    CHECK(request(port, "GET", "/health", NULL, 0, NULL, &body, NULL) == 503);
    CHECK(strstr(body, "degraded") != NULL);
    free(body);
    CHECK(request(port, "GET", "/metrics", NULL, 0, NULL, &body, NULL) == 404); /* no registry */
    free(body);
    http_server_opts o3 = { .port = port };
    http_server *dup = http_server_create(&o3, err, sizeof err);
    CHECK(dup == NULL && strstr(err, "cannot listen") != NULL);
    http_server_destroy(dup);
    http_server_destroy(s);
    http_server_opts o4 = { .bind_addr = "not-an-ip" };
    CHECK(http_server_create(&o4, err, sizeof err) == NULL && strstr(err, "bad bind address"));
    prom_registry_destroy(reg);
    test_threaded();
    curl_global_cleanup();
    return CHECK_DONE();
}
