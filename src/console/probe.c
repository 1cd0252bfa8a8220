/* probe.c -- bounded HTTP requests with libcurl, and a reader of Prometheus text samples. */
#include "probe.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int probe_http(const char *url, const char *body, size_t body_len, long timeout_ms,
               probe_reply *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(err, errlen, "curl_easy_init failed");
        return -1;
    }
    http_body g = { .max = PROBE_MAX_BODY - 1 };
    struct curl_slist *hdrs = NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_body_curl_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &g);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (body) {
        hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body_len);
    }
    CURLcode rc = curl_easy_perform(c);
    int ret = 0;
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "%s: %s", url, g.too_large ? "answer too large" : curl_easy_strerror(rc));
        free(g.data);
        ret = -1;
    } else {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
        char *ct = NULL;
        curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
        if (ct) snprintf(out->content_type, sizeof out->content_type, "%s", ct);
        out->body = g.data ? g.data : strdup("");
        out->len = g.len;
        if (!out->body) {
            snprintf(err, errlen, "out of memory");
            ret = -1;
        }
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    return ret;
}

void probe_reply_free(probe_reply *r)
{
    if (!r) return;
    free(r->body);
    r->body = NULL;
}

double probe_prom_sum(const char *text, const char *name, int *found)
{
    double sum = 0;
    *found = 0;
    size_t n = strlen(name);
    for (const char *line = text; line && *line;) {
        const char *eol = strchr(line, '\n');
        if (line[0] != '#' && strncmp(line, name, n) == 0 && (line[n] == ' ' || line[n] == '{')) {
            const char *v = line + n;
            if (*v == '{') {
                v = strchr(v, '}');
                if (!v || (eol && v > eol)) goto next;
                v++;
            }
            char *end;
            double d = strtod(v, &end);
            if (end != v) {
                sum += d;
                (*found)++;
            }
        }
    next:
        line = eol ? eol + 1 : NULL;
    }
    return sum;
}
