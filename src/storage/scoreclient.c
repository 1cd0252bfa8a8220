/* scoreclient.c -- one blocking POST /score to qaflow-scorer (the sync mode's scorer client; bounded by a timeout). */
#include "scoreclient.h"

#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define SCORECLIENT_MAX_BODY (1u << 20)

struct scoreclient {
    CURL *h;
    struct curl_slist *hdrs;
    char *url;
    char field[16];
    long timeout_ms;
    http_body resp; /* bounded at SCORECLIENT_MAX_BODY: no scorer answer is that large */
};

scoreclient *scoreclient_create(const char *base_url, long timeout_ms, const char *field, char *err, size_t errlen)
{
    if (!field || (strcmp(field, "auto") && strcmp(field, "f1_rescaled") && strcmp(field, "f1"))) {
        snprintf(err, errlen, "score field must be auto, f1_rescaled or f1");
        return NULL;
    }
    scoreclient *c = calloc(1, sizeof *c);
    size_t blen = strlen(base_url);
    while (blen > 0 && base_url[blen - 1] == '/')
        blen--;
    if (c)
        c->url = malloc(blen + sizeof "/score");
    if (!c || !c->url || !(c->h = curl_easy_init()) ||
        !(c->hdrs = curl_slist_append(NULL, "Content-Type: application/json"))) {
        snprintf(err, errlen, "out of memory");
        scoreclient_destroy(c);
        return NULL;
    }
    memcpy(c->url, base_url, blen);
    strcpy(c->url + blen, "/score");
    snprintf(c->field, sizeof c->field, "%s", field);
    c->timeout_ms = timeout_ms;
    c->resp.max = SCORECLIENT_MAX_BODY - 1;
    return c;
}

void scoreclient_destroy(scoreclient *c)
{
    if (!c)
        return;
    if (c->h)
        curl_easy_cleanup(c->h);
    curl_slist_free_all(c->hdrs);
    free(c->url);
    http_body_free(&c->resp);
    free(c);
}

/* results[0]'s chosen field; -1 when absent or not a finite number. */
static int scoreclient_parse(const scoreclient *c, double *score, char *err, size_t errlen)
{
    json_t *root = json_loadb(c->resp.data ? c->resp.data : "", c->resp.len, 0, NULL);
    json_t *res = json_array_get(json_object_get(root, "results"), 0);
    const char *field = c->field;
    if (strcmp(field, "auto") == 0)
        field = json_is_number(json_object_get(res, "f1_rescaled")) ? "f1_rescaled" : "f1";
    json_t *v = json_object_get(res, field);
    int rc = -1;
    if (json_is_number(v) && isfinite(json_number_value(v))) {
        *score = json_number_value(v);
        rc = 0;
    } else {
        snprintf(err, errlen, "scorer answer has no numeric %s", field);
    }
    json_decref(root);
    return rc;
}

int scoreclient_score(scoreclient *c, const char *candidate, const char *reference, double *score, char *err,
                      size_t errlen)
{
    json_t *b = json_pack("{s:[{s:s,s:s}]}", "pairs", "candidate", candidate, "reference", reference);
    char *body = b ? json_dumps(b, JSON_COMPACT) : NULL;
    json_decref(b);
    if (!body) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    http_body_reset(&c->resp);
    curl_easy_reset(c->h);
    curl_easy_setopt(c->h, CURLOPT_URL, c->url);
    curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->hdrs);
    curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(c->h, CURLOPT_CONNECTTIMEOUT_MS, c->timeout_ms < 3000 ? c->timeout_ms : 3000L);
    curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, http_body_curl_write);
    curl_easy_setopt(c->h, CURLOPT_WRITEDATA, &c->resp);
    CURLcode cc = curl_easy_perform(c->h);
    free(body);
    long code = 0;
    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &code);
    if (cc != CURLE_OK) {
        snprintf(err, errlen, "scorer %s: %s", c->url, curl_easy_strerror(cc));
        return -1;
    }
    if (code == 400) {
        snprintf(err, errlen, "scorer rejected the pair: %.200s", c->resp.data ? c->resp.data : "");
        return 1;
    }
    if (code != 200) {
        snprintf(err, errlen, "scorer %s answered HTTP %ld", c->url, code);
        return -1;
    }
    return scoreclient_parse(c, score, err, errlen);
}
