/* traffic_client.c -- drives a traffic run: paced POST /query, GET /status polling, outcomes into the stats (libcurl multi). */
#include "traffic_client.h"

#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "timeutil.h"

#define TRAFFIC_MAX_BODY (1u << 20) /* answers larger than this are cut (and then unparsable) */

typedef enum { TQ_IDLE = 0, TQ_POST, TQ_WAIT, TQ_POLL, TQ_DONE } tq_state;

/* One question sent in this run. */
typedef struct tq {
    const traffic_question *q;
    long index;
    tq_state state;
    char qid[129];
    int64_t sched_us, sent_us, next_poll_us; /* latencies count from sched_us (coordinated omission) */
    int http_status;
} tq;

/* One HTTP request in flight. */
typedef struct treq {
    struct treq *prev, *next; /* the run's list of requests in flight */
    CURL *h;
    tq *t;
    int is_post;
    char *body;
    struct curl_slist *hdrs;
    char *resp;
    size_t resp_len, resp_cap;
    int64_t start_us;
    char errbuf[CURL_ERROR_SIZE];
} treq;

typedef struct traffic_run {
    const traffic_client_opts *o;
    traffic_stats *st;
    CURLM *m;
    char *base; /* url without trailing slashes */
    tq *tqs;
    long n;
    long *wait_q; /* FIFO ring of tq indices waiting for their next poll */
    long wq_head, wq_len;
    long inflight;
    treq *live; /* requests in flight */
    int64_t t0_us, first_send_us, last_send_us;
} traffic_run;

/* The per-second series, when asked for. */
static void traffic_event_at(traffic_run *r, int64_t now_us, traffic_event ev, double latency_ms) {
    if (r->o->series) traffic_series_add(r->o->series, (double)(now_us - r->t0_us) / 1e6, ev, latency_ms);
}

static double traffic_since_sched_ms(const tq *t, int64_t now_us) { return (double)(now_us - t->sched_us) / 1000.0; }

static void traffic_wq_push(traffic_run *r, long idx) {
    r->wait_q[(r->wq_head + r->wq_len) % r->n] = idx;
    r->wq_len++;
}

static long traffic_wq_pop(traffic_run *r) {
    long idx = r->wait_q[r->wq_head];
    r->wq_head = (r->wq_head + 1) % r->n;
    r->wq_len--;
    return idx;
}

static size_t traffic_on_body(char *ptr, size_t size, size_t nmemb, void *ud) {
    treq *q = ud;
    size_t n = size * nmemb;
    if (q->resp_len + n + 1 > TRAFFIC_MAX_BODY) return n; /* drop the excess, keep reading */
    if (q->resp_len + n + 1 > q->resp_cap) {
        size_t ncap = q->resp_cap ? q->resp_cap : 1024;
        while (ncap < q->resp_len + n + 1) ncap *= 2;
        char *nb = realloc(q->resp, ncap);
        if (!nb) return 0; /* aborts the transfer */
        q->resp = nb;
        q->resp_cap = ncap;
    }
    memcpy(q->resp + q->resp_len, ptr, n);
    q->resp_len += n;
    q->resp[q->resp_len] = '\0';
    return n;
}

static void traffic_req_free(treq *q) {
    if (!q) return;
    if (q->h) curl_easy_cleanup(q->h);
    curl_slist_free_all(q->hdrs);
    free(q->body);
    free(q->resp);
    free(q);
}

static double traffic_json_num(json_t *o, const char *key) {
    json_t *v = o ? json_object_get(o, key) : NULL;
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static void traffic_json_str(json_t *o, const char *key, char *out, size_t outlen) {
    json_t *v = o ? json_object_get(o, key) : NULL;
    if (json_is_string(v) && !out[0]) snprintf(out, outlen, "%s", json_string_value(v));
}

int traffic_answer_parse(const char *body, size_t len, traffic_answer *a) {
    memset(a, 0, sizeof(*a));
    a->bert_score = a->first_score = NAN;
    json_t *root = body ? json_loadb(body, len, 0, NULL) : NULL;
    if (!json_is_object(root) || !json_is_string(json_object_get(root, "status"))) {
        json_decref(root);
        return -1;
    }
    snprintf(a->status, sizeof(a->status), "%s", json_string_value(json_object_get(root, "status")));
    json_t *res = json_object_get(root, "result");
    if (!json_is_object(res)) res = NULL;
    json_t *srcs[2] = {res, root};
    for (int i = 0; i < 2; i++) {
        json_t *o = srcs[i];
        if (!o) continue;
        traffic_json_str(o, "question_id", a->question_id, sizeof(a->question_id));
        traffic_json_str(o, "source", a->source, sizeof(a->source));
        traffic_json_str(o, "reason", a->reason, sizeof(a->reason));
        traffic_json_str(o, "failed_reason", a->reason, sizeof(a->reason));
        if (isnan(a->bert_score)) a->bert_score = traffic_json_num(o, "bert_score");
        if (isnan(a->first_score)) a->first_score = traffic_json_num(o, "first_score");
        double att = traffic_json_num(o, "processing_attempts");
        if (a->attempts == 0 && !isnan(att)) a->attempts = (long)att;
        if (json_is_true(json_object_get(o, "accepted_below_threshold"))) a->below_threshold = 1;
    }
    json_t *arr = json_object_get(root, "attempts"), *it;
    size_t i;
    json_array_foreach(arr, i, it) {
        if (a->n_attempt_scores == (int)(sizeof a->attempt_scores / sizeof *a->attempt_scores)) break;
        a->attempt_scores[a->n_attempt_scores++] = traffic_json_num(it, "bert_score");
    }
    json_decref(root);
    return 0;
}

/* One JSON line per question in --results. */
static void traffic_write_result(traffic_run *r, const tq *t, const char *outcome, const traffic_answer *a,
                                 int64_t now_us) {
    if (!r->o->results) return;
    json_t *o = json_pack("{s:I,s:I,s:i,s:s,s:s,s:i}", "index", (json_int_t)t->index, "line",
                          (json_int_t)t->q->line, "class", t->q->class_index, "question_id", t->qid, "outcome",
                          outcome, "http_status", t->http_status);
    if (!o) return;
    if (t->sent_us) {
        json_object_set_new(o, "elapsed_ms", json_real(traffic_since_sched_ms(t, now_us)));
        json_object_set_new(o, "send_late_ms", json_real((double)(t->sent_us - t->sched_us) / 1000.0));
    }
    if (a) {
        if (a->attempts > 0) json_object_set_new(o, "processing_attempts", json_integer(a->attempts));
        if (!isnan(a->bert_score)) json_object_set_new(o, "bert_score", json_real(a->bert_score));
        if (!isnan(a->first_score)) json_object_set_new(o, "first_score", json_real(a->first_score));
        if (a->source[0]) json_object_set_new(o, "source", json_string(a->source));
        if (a->reason[0]) json_object_set_new(o, "reason", json_string(a->reason));
        if (a->below_threshold) json_object_set_new(o, "accepted_below_threshold", json_true());
        if (a->n_attempt_scores > 0) {
            json_t *sc = json_array();
            for (int k = 0; sc && k < a->n_attempt_scores; k++)
                json_array_append_new(sc, isnan(a->attempt_scores[k]) ? json_null() : json_real(a->attempt_scores[k]));
            json_object_set_new(o, "attempt_scores", sc);
        }
    }
    char *line = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(10));
    if (line) {
        fprintf(r->o->results, "%s\n", line);
        free(line);
    }
    json_decref(o);
}

static void traffic_finish(traffic_run *r, tq *t, const char *outcome, const traffic_answer *a, int64_t now_us) {
    t->state = TQ_DONE;
    traffic_write_result(r, t, outcome, a, now_us);
}

static int traffic_start(traffic_run *r, tq *t, int is_post, int64_t now_us) {
    treq *q = calloc(1, sizeof(*q));
    char url[512];
    if (!q) goto fail;
    q->t = t;
    q->is_post = is_post;
    q->start_us = now_us;
    q->h = curl_easy_init();
    if (!q->h) goto fail;
    if (is_post) {
        json_t *b = json_pack("{s:s,s:s}", "question_text", t->q->text, "original_answer", t->q->answer);
        q->body = b ? json_dumps(b, JSON_COMPACT) : NULL;
        json_decref(b);
        q->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
        if (!q->body || !q->hdrs) goto fail;
        snprintf(url, sizeof(url), "%s/query%s", r->base,
                 !r->o->sync ? "" : r->o->all_attempts ? "?mode=sync&attempts=all" : "?mode=sync");
        curl_easy_setopt(q->h, CURLOPT_POSTFIELDS, q->body);
        curl_easy_setopt(q->h, CURLOPT_POSTFIELDSIZE, (long)strlen(q->body));
        curl_easy_setopt(q->h, CURLOPT_HTTPHEADER, q->hdrs);
    } else {
        char *esc = curl_easy_escape(q->h, t->qid, 0);
        if (!esc) goto fail;
        snprintf(url, sizeof(url), "%s/status/%s", r->base, esc);
        curl_free(esc);
    }
    curl_easy_setopt(q->h, CURLOPT_URL, url);
    curl_easy_setopt(q->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(q->h, CURLOPT_TIMEOUT_MS, r->o->http_timeout_ms);
    curl_easy_setopt(q->h, CURLOPT_WRITEFUNCTION, traffic_on_body);
    curl_easy_setopt(q->h, CURLOPT_WRITEDATA, q);
    curl_easy_setopt(q->h, CURLOPT_PRIVATE, q);
    curl_easy_setopt(q->h, CURLOPT_ERRORBUFFER, q->errbuf);
    if (curl_multi_add_handle(r->m, q->h) != CURLM_OK) goto fail;
    q->next = r->live;
    if (r->live) r->live->prev = q;
    r->live = q;
    t->state = is_post ? TQ_POST : TQ_POLL;
    r->inflight++;
    return 0;
fail:
    traffic_req_free(q);
    return -1;
}

static void traffic_post_done(traffic_run *r, treq *q, CURLcode cc, long code, int64_t now_us) {
    tq *t = q->t;
    traffic_stats *st = r->st;
    t->http_status = (int)code;
    if (cc != CURLE_OK) {
        st->errors++;
        traffic_event_at(r, now_us, TRAFFIC_EV_ERROR, NAN);
        log_warn("POST /query failed index=%ld err=\"%s\"", t->index, q->errbuf[0] ? q->errbuf : curl_easy_strerror(cc));
        traffic_finish(r, t, "send_error", NULL, now_us);
        return;
    }
    traffic_samples_add(&st->post_ms, traffic_since_sched_ms(t, now_us));
    if (code > 0 && code < 600) st->status_codes[code]++;
    traffic_answer a;
    int parsed = traffic_answer_parse(q->resp, q->resp_len, &a) == 0;
    if (parsed && a.question_id[0]) snprintf(t->qid, sizeof(t->qid), "%s", a.question_id);
    if (code == 202 && parsed && t->qid[0]) {
        st->accepted++;
        traffic_event_at(r, now_us, TRAFFIC_EV_ACCEPTED, NAN);
        if (r->o->no_wait) {
            traffic_finish(r, t, "accepted", &a, now_us);
            return;
        }
        t->state = TQ_WAIT;
        t->next_poll_us = now_us + r->o->poll_interval_ms * 1000;
        traffic_wq_push(r, t->index);
        return;
    }
    if (code == 200 && parsed && strcmp(a.status, "completed") == 0 && strcmp(a.source, "sync") == 0) {
        /* answered synchronously: the POST itself was the whole question */
        traffic_samples_add(&st->e2e_ms, traffic_since_sched_ms(t, now_us));
        traffic_event_at(r, now_us, TRAFFIC_EV_COMPLETED, traffic_since_sched_ms(t, now_us));
        traffic_stats_add_completed(st, a.attempts, a.bert_score, a.first_score, a.below_threshold);
        traffic_finish(r, t, "completed", &a, now_us);
        return;
    }
    if (code == 200 && parsed && strcmp(a.status, "completed") == 0) {
        traffic_event_at(r, now_us, TRAFFIC_EV_COMPLETED, NAN);
        if (strcmp(a.source, "database") == 0) st->from_database++;
        else st->from_cache++;
        traffic_stats_add_completed(st, a.attempts, a.bert_score, a.first_score, a.below_threshold);
        traffic_finish(r, t, "served", &a, now_us);
        return;
    }
    if (code == 200 && parsed && strcmp(a.status, "failed") == 0) {
        st->from_database++;
        st->failed++;
        traffic_event_at(r, now_us, TRAFFIC_EV_FAILED, NAN);
        traffic_finish(r, t, "failed", &a, now_us);
        return;
    }
    if (r->o->sync && parsed && strcmp(a.status, "failed") == 0) {
        /* the synchronous path gave up (the LLM or the scorer failed): the question is lost */
        st->failed++;
        traffic_event_at(r, now_us, TRAFFIC_EV_FAILED, NAN);
        traffic_finish(r, t, "failed", &a, now_us);
        return;
    }
    st->rejected++;
    traffic_event_at(r, now_us, TRAFFIC_EV_REJECTED, NAN);
    log_warn("POST /query rejected index=%ld status=%ld body=%.200s", t->index, code, q->resp ? q->resp : "");
    traffic_finish(r, t, "rejected", parsed ? &a : NULL, now_us);
}

static void traffic_poll_done(traffic_run *r, treq *q, CURLcode cc, long code, int64_t now_us) {
    tq *t = q->t;
    traffic_stats *st = r->st;
    traffic_answer a;
    int parsed = cc == CURLE_OK && code == 200 && traffic_answer_parse(q->resp, q->resp_len, &a) == 0;
    if (!parsed) {
        st->poll_errors++;
        log_debug("GET /status failed question_id=%s status=%ld err=\"%s\"", t->qid, code,
                  cc != CURLE_OK ? curl_easy_strerror(cc) : "unexpected answer");
    } else if (strcmp(a.status, "completed") == 0) {
        traffic_samples_add(&st->e2e_ms, traffic_since_sched_ms(t, now_us));
        traffic_event_at(r, now_us, TRAFFIC_EV_COMPLETED, traffic_since_sched_ms(t, now_us));
        traffic_stats_add_completed(st, a.attempts, a.bert_score, a.first_score, a.below_threshold);
        traffic_finish(r, t, "completed", &a, now_us);
        return;
    } else if (strcmp(a.status, "failed") == 0) {
        st->failed++;
        traffic_event_at(r, now_us, TRAFFIC_EV_FAILED, NAN);
        traffic_finish(r, t, "failed", &a, now_us);
        return;
    }
    t->state = TQ_WAIT;
    t->next_poll_us = now_us + r->o->poll_interval_ms * 1000;
    traffic_wq_push(r, t->index);
}

static void traffic_unlink(traffic_run *r, treq *q) {
    if (q->prev) q->prev->next = q->next;
    else r->live = q->next;
    if (q->next) q->next->prev = q->prev;
    q->prev = q->next = NULL;
}

static void traffic_reap(traffic_run *r) {
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(r->m, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE) continue;
        treq *q = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&q);
        long code = 0;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
        CURLcode cc = msg->data.result;
        curl_multi_remove_handle(r->m, msg->easy_handle);
        traffic_unlink(r, q);
        r->inflight--;
        int64_t now = timeutil_mono_us();
        if (q->is_post) traffic_post_done(r, q, cc, code, now);
        else traffic_poll_done(r, q, cc, code, now);
        traffic_req_free(q);
    }
}

/* Removes whatever is still in flight (after a stop). */
static void traffic_abort_inflight(traffic_run *r) {
    while (r->live) {
        treq *q = r->live;
        traffic_unlink(r, q);
        curl_multi_remove_handle(r->m, q->h);
        traffic_req_free(q);
    }
    r->inflight = 0;
}

static void traffic_run_loop(traffic_run *r) {
    const traffic_client_opts *o = r->o;
    traffic_sched sched;
    traffic_sched_init(&sched, o->dist, o->rate, o->seed);
    long next_idx = 0;
    int64_t next_send = timeutil_mono_us();
    int stopping = 0;
    while (!stopping) {
        if (o->stop && *o->stop) {
            log_info("stop requested: no more sends, reporting what is known");
            break;
        }
        int64_t now = timeutil_mono_us();
        while (next_idx < r->n && now >= next_send && r->inflight < o->concurrency) {
            tq *t = &r->tqs[next_idx];
            t->sched_us = o->rate > 0 ? next_send : now;
            t->sent_us = now;
            traffic_event_at(r, now, TRAFFIC_EV_SENT, NAN);
            double late_ms = (double)(now - t->sched_us) / 1000.0;
            if (late_ms > (double)o->late_ms) {
                r->st->late++;
                traffic_event_at(r, now, TRAFFIC_EV_LATE, NAN);
            }
            if (late_ms > r->st->late_max_ms) r->st->late_max_ms = late_ms;
            if (!r->first_send_us) r->first_send_us = now;
            r->last_send_us = now;
            r->st->sent++;
            if (traffic_start(r, t, 1, now) < 0) {
                r->st->errors++;
                traffic_finish(r, t, "send_error", NULL, now);
            }
            next_idx++;
            int64_t gap = traffic_sched_next_gap_us(&sched);
            next_send = gap > 0 ? next_send + gap : now;
        }
        while (r->wq_len > 0 && r->inflight < o->concurrency) {
            tq *t = &r->tqs[r->wait_q[r->wq_head]];
            if (t->next_poll_us > now) break;
            traffic_wq_pop(r);
            if (now - t->sched_us >= (int64_t)o->timeout_s * 1000000) {
                r->st->timed_out++;
                traffic_event_at(r, now, TRAFFIC_EV_TIMED_OUT, NAN);
                traffic_finish(r, t, "timed_out", NULL, now);
                continue;
            }
            if (traffic_start(r, t, 0, now) < 0) {
                r->st->poll_errors++;
                t->next_poll_us = now + o->poll_interval_ms * 1000;
                traffic_wq_push(r, t->index);
                break;
            }
        }
        if (next_idx >= r->n && r->inflight == 0 && r->wq_len == 0) break;
        int64_t wait_us = 100000;
        if (next_idx < r->n && r->inflight < o->concurrency && next_send - now < wait_us)
            wait_us = next_send - now;
        if (r->wq_len > 0 && r->inflight < o->concurrency) {
            int64_t d = r->tqs[r->wait_q[r->wq_head]].next_poll_us - now;
            if (d < wait_us) wait_us = d;
        }
        if (wait_us < 0) wait_us = 0;
        int running = 0;
        curl_multi_poll(r->m, NULL, 0, (int)((wait_us + 999) / 1000), NULL);
        curl_multi_perform(r->m, &running);
        traffic_reap(r);
        traffic_progress_tick(o->progress, r->st, timeutil_mono_us());
    }
    traffic_abort_inflight(r);
    int64_t end = timeutil_mono_us();
    for (long i = 0; i < r->n; i++) {
        tq *t = &r->tqs[i];
        if (t->state == TQ_DONE || (t->state == TQ_IDLE && i >= next_idx)) continue;
        r->st->unfinished++;
        traffic_finish(r, t, "unfinished", NULL, end);
    }
}

int traffic_client_run(const traffic_client_opts *o, const traffic_questions *qs, traffic_stats *st, char *err,
                       size_t errlen) {
    if (qs->n == 0 || o->count <= 0 || o->concurrency <= 0) {
        snprintf(err, errlen, "nothing to send");
        return -1;
    }
    traffic_run r = {.o = o, .st = st, .n = o->count};
    int ok = 0;
    size_t ulen = strlen(o->url);
    while (ulen > 0 && o->url[ulen - 1] == '/') ulen--;
    r.base = strndup(o->url, ulen);
    r.tqs = calloc((size_t)r.n, sizeof(*r.tqs));
    r.wait_q = calloc((size_t)r.n, sizeof(*r.wait_q));
    r.m = curl_multi_init();
    if (!r.base || !r.tqs || !r.wait_q || !r.m) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    curl_multi_setopt(r.m, CURLMOPT_MAX_TOTAL_CONNECTIONS, o->concurrency);
    curl_multi_setopt(r.m, CURLMOPT_MAXCONNECTS, o->concurrency);
    for (long i = 0; i < r.n; i++) {
        size_t qi = o->order ? (size_t)o->order[i] : (size_t)i % qs->n;
        if (qi >= qs->n) {
            snprintf(err, errlen, "send %ld asks question %zu of %zu", i, qi, qs->n);
            goto done;
        }
        r.tqs[i].q = &qs->q[qi];
        r.tqs[i].index = i;
    }
    int64_t t0 = r.t0_us = timeutil_mono_us();
    traffic_run_loop(&r);
    st->duration_s = (double)(timeutil_mono_us() - t0) / 1e6;
    st->send_duration_s = r.first_send_us ? (double)(r.last_send_us - r.first_send_us) / 1e6 : 0;
    ok = 1;
done:
    if (r.m) curl_multi_cleanup(r.m);
    free(r.base);
    free(r.tqs);
    free(r.wait_q);
    return ok ? 0 : -1;
}
