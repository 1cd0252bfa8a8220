/* test_http.c -- the libmicrohttpd glue on a real loopback server: routes, 404/405, 413, bodies, /health, /metrics. */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

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
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
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
    curl_global_cleanup();
    return CHECK_DONE();
}
