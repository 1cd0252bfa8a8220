/* llmclient.c -- libcurl multi driver: many LLM requests in flight from one thread. */
#include "llmclient.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http.h"

typedef struct llmclient_req {
    CURL *easy;
    void *opaque;
    http_body resp;   /* bounded at the client's max_body as it arrives (chunked answers too) */
    long retry_after_s;
    char errbuf[CURL_ERROR_SIZE];
    struct llmclient_req *next; /* free list, or active list */
    struct llmclient_req *prev; /* active list */
} llmclient_req;

struct llmclient {
    CURLM *multi;
    struct curl_slist *headers;
    char *url;
    long timeout_ms, connect_timeout_ms;
    size_t max_body;
    int inflight;
    llmclient_req *free_reqs; /* idle easy handles kept for connection reuse */
    llmclient_req *active;    /* requests in flight */
};

static void llmclient_unlink(llmclient *c, llmclient_req *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        c->active = r->next;
    if (r->next)
        r->next->prev = r->prev;
    r->next = r->prev = NULL;
}

static size_t llmclient_header_cb(char *buf, size_t size, size_t nitems, void *ud)
{
    llmclient_req *r = ud;
    size_t n = size * nitems;
    static const char name[] = "retry-after:";
    if (n > sizeof name - 1 && strncasecmp(buf, name, sizeof name - 1) == 0) {
        char v[128];
        size_t vl = n - (sizeof name - 1);
        if (vl >= sizeof v)
            vl = sizeof v - 1;
        memcpy(v, buf + sizeof name - 1, vl);
        v[vl] = '\0';
        char *e = v + strlen(v);
        while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' '))
            *--e = '\0';
        r->retry_after_s = classify_parse_retry_after(v, time(NULL));
    }
    return n;
}

llmclient *llmclient_create(const llmclient_opts *o, char *err, size_t errlen)
{
    llmclient *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->multi = curl_multi_init();
    c->url = strdup(o->url);
    c->timeout_ms = o->timeout_ms;
    c->connect_timeout_ms = o->connect_timeout_ms;
    c->max_body = o->max_body ? o->max_body : 4u << 20;
    c->headers = curl_slist_append(NULL, "Content-Type: application/json");
    c->headers = curl_slist_append(c->headers, "Expect:"); /* no 100-continue round trip */
    if (c->headers && o->api_key && *o->api_key) {
        char auth[512];
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", o->api_key);
        c->headers = curl_slist_append(c->headers, auth);
    }
    if (!c->multi || !c->url || !c->headers) {
        snprintf(err, errlen, "cannot initialise libcurl");
        llmclient_destroy(c, NULL);
        return NULL;
    }
    return c;
}

static void llmclient_req_free(llmclient_req *r)
{
    if (!r)
        return;
    if (r->easy)
        curl_easy_cleanup(r->easy);
    http_body_free(&r->resp);
    free(r);
}

void llmclient_destroy(llmclient *c, void (*free_opaque)(void *))
{
    if (!c)
        return;
    if (c->multi) {
        /* abort what is still in flight */
        while (c->active) {
            llmclient_req *r = c->active;
            llmclient_unlink(c, r);
            curl_multi_remove_handle(c->multi, r->easy);
            if (free_opaque)
                free_opaque(r->opaque);
            llmclient_req_free(r);
        }
    }
    while (c->free_reqs) {
        llmclient_req *r = c->free_reqs;
        c->free_reqs = r->next;
        llmclient_req_free(r);
    }
    if (c->multi)
        curl_multi_cleanup(c->multi);
    curl_slist_free_all(c->headers);
    free(c->url);
    free(c);
}

int llmclient_submit(llmclient *c, const char *body, void *req_opaque, char *err, size_t errlen)
{
    llmclient_req *r = c->free_reqs;
    if (r) {
        c->free_reqs = r->next;
    } else {
        r = calloc(1, sizeof *r);
        if (r)
            r->easy = curl_easy_init();
        if (!r || !r->easy) {
            llmclient_req_free(r);
            snprintf(err, errlen, "cannot create a libcurl handle");
            return -1;
        }
        CURL *e = r->easy;
        curl_easy_setopt(e, CURLOPT_URL, c->url);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_body_curl_write);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &r->resp);
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, llmclient_header_cb);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
        curl_easy_setopt(e, CURLOPT_PRIVATE, r);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->timeout_ms);
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
        curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_body);
    }
    r->opaque = req_opaque;
    r->resp.max = c->max_body;
    http_body_reset(&r->resp);
    r->retry_after_s = -1;
    r->errbuf[0] = '\0';
    curl_easy_setopt(r->easy, CURLOPT_COPYPOSTFIELDS, body);
    CURLMcode mc = curl_multi_add_handle(c->multi, r->easy);
    if (mc != CURLM_OK) {
        snprintf(err, errlen, "curl_multi_add_handle: %s", curl_multi_strerror(mc));
        r->next = c->free_reqs;
        c->free_reqs = r;
        return -1;
    }
    c->inflight++;
    r->prev = NULL;
    r->next = c->active;
    if (c->active)
        c->active->prev = r;
    c->active = r;
    return 0;
}

int llmclient_inflight(const llmclient *c)
{
    return c->inflight;
}

static classify_net llmclient_net(CURLcode rc)
{
    switch (rc) {
    case CURLE_OK: return CLASSIFY_NET_OK;
    case CURLE_OPERATION_TIMEDOUT: return CLASSIFY_NET_TIMEOUT;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return CLASSIFY_NET_REFUSED;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE: return CLASSIFY_NET_BROKEN;
    default: return CLASSIFY_NET_OTHER;
    }
}

/* Hands every finished transfer to done(); returns how many. */
static int llmclient_drain(llmclient *c, llmclient_done_fn done, void *opaque)
{
    int finished = 0;
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(c->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        CURL *e = m->easy_handle;
        CURLcode rc = m->data.result;
        llmclient_req *r = NULL;
        curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&r);
        long status = 0;
        curl_off_t total = 0;
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &total);
        curl_multi_remove_handle(c->multi, e);
        llmclient_unlink(c, r);
        c->inflight--;
        if (r->resp.too_large) /* libcurl is done with errbuf: say why the transfer was cut */
            snprintf(r->errbuf, sizeof r->errbuf, "answer larger than %zu bytes", r->resp.max);
        classify_input in = {
            .net = llmclient_net(rc),
            .net_message = rc == CURLE_OK ? NULL : (r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc)),
            .http_status = rc == CURLE_OK ? status : 0,
            .body = r->resp.data ? r->resp.data : "",
            .body_len = r->resp.len,
            .retry_after_s = r->retry_after_s,
        };
        llmclient_result res = {&in, (int64_t)total};
        done(opaque, r->opaque, &res);
        /* keep the handle (and its connection) for the next request */
        r->next = c->free_reqs;
        c->free_reqs = r;
        finished++;
    }
    return finished;
}

int llmclient_run(llmclient *c, int timeout_ms, llmclient_done_fn done, void *opaque)
{
    int running = 0;
    /* Start new transfers and collect what already finished; only when nothing did, wait:
     * a completion must never sit in the queue while we sleep in curl_multi_poll. */
    if (curl_multi_perform(c->multi, &running) != CURLM_OK)
        return -1;
    int finished = llmclient_drain(c, done, opaque);
    if (finished > 0 || timeout_ms <= 0)
        return finished;
    if (curl_multi_poll(c->multi, NULL, 0, timeout_ms, NULL) != CURLM_OK ||
        curl_multi_perform(c->multi, &running) != CURLM_OK)
        return -1;
    return llmclient_drain(c, done, opaque);
}

void llmclient_wakeup(llmclient *c)
{
    curl_multi_wakeup(c->multi);
}
