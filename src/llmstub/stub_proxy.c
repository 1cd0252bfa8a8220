/* stub_proxy.c -- libcurl forwarding of one request to the upstream LLM, body and headers kept */
#include "stub_proxy.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct stub_proxy {
    char *upstream;
    long timeout_ms;
};

stub_proxy *stub_proxy_create(const char *upstream, long timeout_ms, char *err, size_t errlen)
{
    if (!upstream || (strncmp(upstream, "http://", 7) != 0 && strncmp(upstream, "https://", 8) != 0)) {
        snprintf(err, errlen, "upstream must be an http:// or https:// URL");
        return NULL;
    }
    stub_proxy *p = calloc(1, sizeof(*p));
    if (!p || !(p->upstream = strdup(upstream))) {
        free(p);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    size_t n = strlen(p->upstream);
    while (n > 0 && p->upstream[n - 1] == '/')
        p->upstream[--n] = '\0';
    p->timeout_ms = timeout_ms > 0 ? timeout_ms : 120000;
    return p;
}

void stub_proxy_destroy(stub_proxy *p)
{
    if (!p)
        return;
    free(p->upstream);
    free(p);
}

const char *stub_proxy_upstream(const stub_proxy *p)
{
    return p->upstream;
}

void stub_proxy_result_free(stub_proxy_result *r)
{
    if (!r)
        return;
    free(r->body);
    r->body = NULL;
    r->body_len = 0;
}

static size_t proxy_on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
    stub_proxy_result *r = ud;
    size_t n = size * nmemb;
    char *nb = realloc(r->body, r->body_len + n + 1);
    if (!nb)
        return 0;
    memcpy(nb + r->body_len, ptr, n);
    r->body = nb;
    r->body_len += n;
    r->body[r->body_len] = '\0';
    return n;
}

/* Keep the header's value (trimmed) when its name matches. */
static void header_value(const char *line, size_t n, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    if (n <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return;
    const char *v = line + nl + 1;
    const char *end = line + n;
    while (v < end && isspace((unsigned char)*v))
        v++;
    while (end > v && isspace((unsigned char)end[-1]))
        end--;
    size_t len = (size_t)(end - v) < outlen - 1 ? (size_t)(end - v) : outlen - 1;
    memcpy(out, v, len);
    out[len] = '\0';
}

static size_t proxy_on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
    stub_proxy_result *r = ud;
    size_t n = size * nmemb;
    header_value(ptr, n, "Content-Type", r->content_type, sizeof(r->content_type));
    header_value(ptr, n, "Retry-After", r->retry_after, sizeof(r->retry_after));
    return n;
}

int stub_proxy_forward(stub_proxy *p, const char *method, const char *path_and_query,
                       const char *body, size_t body_len, const char *authorization,
                       stub_proxy_result *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    size_t ulen = strlen(p->upstream) + strlen(path_and_query) + 1;
    char *url = malloc(ulen);
    CURL *c = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    int rc = -1;
    if (!url || !c) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    snprintf(url, ulen, "%s%s", p->upstream, path_and_query);
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    hdrs = curl_slist_append(hdrs, "Expect:");
    if (authorization && *authorization) {
        char line[1024];
        snprintf(line, sizeof(line), "Authorization: %s", authorization);
        hdrs = curl_slist_append(hdrs, line);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, p->timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, proxy_on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, proxy_on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
    if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)(body ? body_len : 0));
    }
    CURLcode cr = curl_easy_perform(c);
    if (cr != CURLE_OK) {
        snprintf(err, errlen, "upstream %s: %s", p->upstream, curl_easy_strerror(cr));
        stub_proxy_result_free(out);
        goto done;
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    out->status = (int)status;
    if (!out->body) {
        out->body = strdup("");
        if (!out->body) {
            snprintf(err, errlen, "out of memory");
            goto done;
        }
    }
    rc = 0;
done:
    curl_slist_free_all(hdrs);
    if (c)
        curl_easy_cleanup(c);
    free(url);
    return rc;
}
