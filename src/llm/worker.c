/* worker.c -- the LLM worker loop: questions-pending -> LLM -> result topics, at-least-once. */
#include "worker.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "consumer.h"
#include "llm_config.h"
#include "llmclient.h"
#include "log.h"
#include "msg.h"
#include "prompt.h"
#include "timeutil.h"
#include "utf8.h"

/* One consumed message, from poll until the delivery report of its result. */
typedef struct worker_job {
    consumer_ticket t;
    char *raw;             /* the message as read (dead-lettered with it if its result cannot be encoded) */
    size_t rawlen;
    msg_pending q;         /* decoded question */
    char *key;             /* Kafka key of the result */
    const char *topic;     /* where the result goes */
    char *payload;         /* encoded result, kept until delivered (re-sent on failure) */
    int64_t consumed_us;   /* monotonic, when poll returned it */
    int64_t llm_start_ms;  /* wall clock */
    int64_t llm_start_us;
} worker_job;

struct worker {
    worker_opts o;
    consumer *consumer;    /* questions-pending, and the producer of the results */
    rd_kafka_queue_t *consumer_queue;
    rd_kafka_queue_t *producer_queue;
    llmclient *http;
    prompt *prompt;
    int jobs;              /* consumed and not yet delivered */
    int fatal;
    /* metrics (consumed, malformed, offsets, partitions: the consumer module's, prefix qaflow_llm) */
    prom_counter *m_success, *m_overload, *m_quota, *m_failed;
    prom_counter *m_produce_errors;
    prom_gauge *m_inflight, *m_jobs;
    prom_histogram *m_llm_seconds, *m_overhead_seconds;
};

static void worker_job_free(worker_job *j)
{
    if (!j)
        return;
    msg_pending_free(&j->q);
    free(j->raw);
    free(j->key);
    free(j->payload);
    free(j);
}

static void worker_job_free_any(void *p)
{
    worker_job_free(p);
}

/* A result still held at the end (never queued): its offset stays uncommitted. */
static void worker_unsent(void *opaque, void *msg_opaque)
{
    worker_job_free(msg_opaque);
}

int worker_assigned(const worker *w)
{
    return consumer_assigned(w->consumer);
}

size_t worker_produce_held(const worker *w)
{
    return consumer_held(w->consumer);
}

/* ---------- completion of a job ---------- */

/* The job is finished with: its offset is released (by the dead letter's delivery, or now). */
static void worker_job_end(worker *w, worker_job *j)
{
    w->jobs--;
    prom_gauge_set(w->m_jobs, w->jobs);
    worker_job_free(j);
}

/* j's message goes to the dead-letter topic with reason, as read (its result is not produced). */
static void worker_dead_letter(worker *w, worker_job *j, const char *reason)
{
    if (consumer_dead_letter(w->consumer, &j->t, reason, j->raw, j->rawlen, j->key, strlen(j->key)) != 0)
        w->fatal = 1; /* out of memory, or a fatal producer error */
    worker_job_end(w, j);
}

/* Queues j's result. When Kafka cannot take it now the consumer module holds it (and pauses intake)
 * until it can: the LLM is never asked again for it. */
static void worker_send(worker *w, worker_job *j)
{
    char err[256];
    if (consumer_send(w->consumer, j->topic, j->key, j->payload, j, err, sizeof err) != 0) {
        /* never queueable (say above message.max.bytes): the question is dead-lettered */
        log_error("produce failed topic=%s question_id=%s: %s", j->topic, j->key, err);
        prom_counter_inc(w->m_produce_errors);
        char reason[300];
        snprintf(reason, sizeof reason, "result could not be produced: %s", err);
        worker_dead_letter(w, j, reason);
    }
}

static void worker_delivered(void *cb_opaque, void *msg_opaque, int ok, const char *errstr,
                             int32_t partition, int64_t offset)
{
    worker *w = cb_opaque;
    worker_job *j = msg_opaque;
    if (!ok) {
        log_warn("delivery failed topic=%s question_id=%s: %s; sending again", j->topic, j->key,
                 errstr ? errstr : "");
        prom_counter_inc(w->m_produce_errors);
        worker_send(w, j);
        return;
    }
    consumer_done(w->consumer, &j->t);
    worker_job_end(w, j);
}

/* Encodes a questions-failed result for j. */
static char *worker_failed_payload(const worker_job *j, const char *reason, int http_status,
                                   char *err, size_t errlen)
{
    char now[TIMEUTIL_ISO_LEN];
    timeutil_now_iso(now, sizeof now);
    char clean[400]; /* a reason may quote message or LLM bytes: valid UTF-8, cut on a boundary */
    utf8_copy(clean, sizeof clean, reason, strlen(reason));
    msg_failed f = {0};
    f.question_id = j->key;
    f.reason = clean;
    f.stage = "llm";
    f.retry_count = j->q.retry_count;
    f.error_retries = j->q.error_retries;
    f.timestamp = now;
    f.has_http_status = http_status > 0;
    f.http_status = http_status;
    f.created_at = j->q.created_at;
    f.run = j->q.run;
    return msg_failed_encode(&f, err, errlen);
}

static void worker_llm_done(void *opaque, void *req_opaque, const llmclient_result *r)
{
    worker *w = opaque;
    worker_job *j = req_opaque;
    int64_t end_ms = timeutil_now_ms();
    char started[TIMEUTIL_ISO_LEN], finished[TIMEUTIL_ISO_LEN], err[256];
    timeutil_format_iso(j->llm_start_ms, started, sizeof started);
    timeutil_format_iso(end_ms, finished, sizeof finished);
    prom_histogram_observe(w->m_llm_seconds, (double)r->total_us / 1e6);

    classify_result c;
    if (classify_exchange(w->o.backend, r->in, &c) != 0) {
        c.outcome = CLASSIFY_FATAL;
        c.answer = NULL;
        c.http_status = (int)r->in->http_status;
        snprintf(c.message, sizeof c.message, "out of memory while classifying the answer");
    }
    const msg_pending *q = &j->q;
    switch (c.outcome) {
    case CLASSIFY_SUCCESS: {
        msg_success s = {0};
        s.question_id = q->question_id;
        s.question_text = q->question_text;
        s.llm_response = c.answer;
        s.original_answer = q->original_answer;
        s.retry_count = q->retry_count;
        s.response_time_ms = end_ms - j->llm_start_ms;
        s.timestamp = finished;
        s.error_retries = q->error_retries;
        s.created_at = q->created_at;
        s.llm_started_at = started;
        s.llm_finished_at = finished;
        s.model = (char *)w->o.model;
        s.run = q->run;
        j->payload = msg_success_encode(&s, err, sizeof err);
        j->topic = w->o.topic_success;
        prom_counter_inc(w->m_success);
        break;
    }
    case CLASSIFY_OVERLOAD:
    case CLASSIFY_QUOTA: {
        int overload = c.outcome == CLASSIFY_OVERLOAD;
        msg_error e = {0};
        e.question_id = q->question_id;
        e.question_text = q->question_text;
        e.original_answer = q->original_answer;
        e.retry_count = q->retry_count;
        e.error_retries = q->error_retries; /* copied unchanged: the retry consumer adds 1 */
        e.timestamp = finished;
        e.error_type = overload ? "overload" : "quota";
        e.has_http_status = c.http_status > 0; /* 0: no HTTP answer (timeout, refused) */
        e.http_status = c.http_status;
        e.error_message = c.message;
        e.has_retry_after_s = c.retry_after_s >= 0;
        e.retry_after_s = (int)c.retry_after_s;
        e.created_at = q->created_at;
        e.run = q->run;
        j->payload = msg_error_encode(&e, err, sizeof err);
        j->topic = overload ? w->o.topic_overload : w->o.topic_quota;
        prom_counter_inc(overload ? w->m_overload : w->m_quota);
        log_info("llm %s question_id=%s status=%d error_retries=%d: %s",
                 e.error_type, q->question_id, c.http_status, q->error_retries, c.message);
        break;
    }
    case CLASSIFY_FATAL:
        j->payload = worker_failed_payload(j, c.message, c.http_status, err, sizeof err);
        j->topic = w->o.topic_failed;
        prom_counter_inc(w->m_failed);
        log_warn("llm failed question_id=%s status=%d: %s", q->question_id, c.http_status,
                 c.message);
        break;
    }
    free(c.answer);
    if (!j->payload) {
        /* cannot happen with a decoded question; dead-lettered with the message as read */
        log_error("encode failed question_id=%s: %s", j->key, err);
        worker_dead_letter(w, j, "result could not be encoded");
        return;
    }
    int64_t total_us = timeutil_mono_us() - j->consumed_us;
    int64_t overhead = total_us - r->total_us;
    prom_histogram_observe(w->m_overhead_seconds, (double)(overhead > 0 ? overhead : 0) / 1e6);
    worker_send(w, j); /* j may be freed after this */
}

/* ---------- intake ---------- */

static void worker_take(worker *w, rd_kafka_message_t *m, const consumer_ticket *t)
{
    char err[256];
    worker_job *j = calloc(1, sizeof *j);
    if (!j) {
        log_error("out of memory");
        w->fatal = 1;
        return;
    }
    j->consumed_us = timeutil_mono_us();
    j->t = *t;
    if (msg_pending_decode(m->payload, m->len, &j->q, err, sizeof err) != 0) {
        worker_job_free(j);
        if (consumer_reject(w->consumer, m, t, err) != 0)
            w->fatal = 1; /* out of memory, or a fatal producer error (a full queue holds it) */
        return;
    }
    j->raw = malloc(m->len ? m->len : 1);
    if (j->raw) {
        memcpy(j->raw, m->payload, m->len);
        j->rawlen = m->len;
    }
    w->jobs++;
    prom_gauge_set(w->m_jobs, w->jobs);
    j->key = strdup(j->q.question_id);
    char *text = prompt_render(w->prompt, j->q.question_text);
    llm_params p = {w->o.backend, w->o.model,
                    llm_config_temperature(w->o.temperature, w->o.regen_temperature, j->q.retry_count),
                    w->o.max_tokens, w->o.stop};
    char *body = text ? backend_request_body(&p, text, prompt_seed(j->q.question_id, j->q.run, j->q.retry_count)) : NULL;
    free(text);
    j->llm_start_ms = timeutil_now_ms();
    j->llm_start_us = timeutil_mono_us();
    if (!body || !j->key || !j->raw || llmclient_submit(w->http, body, j, err, sizeof err) != 0) {
        log_error("cannot start LLM request question_id=%s: %s", j->q.question_id,
                  body ? err : "out of memory");
        free(body);
        w->fatal = 1;
        worker_job_end(w, j);
        return;
    }
    free(body);
    prom_gauge_set(w->m_inflight, llmclient_inflight(w->http));
}

/* Called by librdkafka (internal thread) when the consumer queue becomes non-empty. */
static void worker_queue_event(rd_kafka_t *rk, void *opaque)
{
    llmclient_wakeup(opaque);
}

/* ---------- lifecycle ---------- */

#define WORKER_COUNTER(field, name, help) \
    (w->field = prom_counter_create(o->prom, name, help, NULL))

worker *worker_create(const worker_opts *o, char *err, size_t errlen)
{
    worker *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->o = *o;
    w->m_success = prom_counter_create(o->prom, "qaflow_llm_results_total", "LLM results by outcome", "outcome=\"success\"");
    w->m_overload = prom_counter_create(o->prom, "qaflow_llm_results_total", "LLM results by outcome", "outcome=\"overload\"");
    w->m_quota = prom_counter_create(o->prom, "qaflow_llm_results_total", "LLM results by outcome", "outcome=\"quota\"");
    w->m_failed = prom_counter_create(o->prom, "qaflow_llm_results_total", "LLM results by outcome", "outcome=\"fatal\"");
    WORKER_COUNTER(m_produce_errors, "qaflow_llm_produce_errors_total", "Failed produce attempts (re-sent)");
    w->m_inflight = prom_gauge_create(o->prom, "qaflow_llm_requests_in_flight", "LLM requests in flight", NULL);
    w->m_jobs = prom_gauge_create(o->prom, "qaflow_llm_jobs_pending", "Consumed messages not yet fully handled", NULL);
    w->m_llm_seconds = prom_histogram_create(o->prom, "qaflow_llm_request_seconds", "LLM request duration",
                                             NULL, prom_latency_buckets, prom_latency_nbuckets);
    static const double ob[] = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25};
    w->m_overhead_seconds = prom_histogram_create(o->prom, "qaflow_llm_worker_overhead_seconds",
        "Time the worker adds per question (consume to produce, minus the LLM request)", NULL, ob, sizeof ob / sizeof *ob);

    char perr[256];
    w->prompt = prompt_create(o->prompt_template, perr, sizeof perr);
    if (!w->prompt) {
        snprintf(err, errlen, "%s", perr);
        goto fail;
    }
    llmclient_opts ho = {o->llm_url, o->api_key, o->timeout_ms, o->connect_timeout_ms, 0};
    w->http = llmclient_create(&ho, err, errlen);
    if (!w->http)
        goto fail;
    /* In-flight work of a revoked partition still produces its result, but its offset is no
     * longer ours to commit: the new owner re-reads from the committed position (a duplicate
     * at worst, never a loss). */
    consumer_opts co = {.brokers = o->brokers, .group = o->group, .client_id = o->client_id,
                        .topics = &w->o.topic_pending, .ntopics = 1, .props = o->kafka_props,
                        .nprops = o->nkafka_props, .topic_failed = o->topic_failed, .stage = "llm",
                        .prom = o->prom, .metric_prefix = "qaflow_llm",
                        .produce_metric_prefix = "qaflow_llm_worker", .on_delivery = worker_delivered,
                        .on_unsent = worker_unsent, .opaque = w};
    w->consumer = consumer_create(&co, err, errlen);
    if (!w->consumer)
        goto fail;
    w->consumer_queue = rd_kafka_queue_get_consumer(consumer_handle(w->consumer));
    if (w->consumer_queue)
        rd_kafka_queue_cb_event_enable(w->consumer_queue, worker_queue_event, w->http);
    w->producer_queue = rd_kafka_queue_get_main(consumer_producer_handle(w->consumer));
    if (w->producer_queue)
        rd_kafka_queue_cb_event_enable(w->producer_queue, worker_queue_event, w->http);
    return w;
fail:
    worker_destroy(w);
    return NULL;
}

int worker_run(worker *w, volatile sig_atomic_t *stop)
{
    const int cap = w->o.concurrency > 0 ? w->o.concurrency : 1;
    int64_t drain_deadline = 0;
    while (!w->fatal) {
        int stopping = *stop != 0;
        if (stopping && !drain_deadline) {
            drain_deadline = timeutil_mono_ms() + (int64_t)w->o.shutdown_timeout_s * 1000;
            log_info("stopping: finishing %d job(s) in flight", w->jobs);
        }
        if (stopping && (w->jobs == 0 || timeutil_mono_ms() > drain_deadline))
            break;
        /* take work while there is room */
        int took = 0;
        while (!stopping && llmclient_inflight(w->http) < cap) {
            consumer_ticket t;
            rd_kafka_message_t *m = consumer_poll(w->consumer, 0, &t);
            if (!m)
                break;
            worker_take(w, m, &t);
            rd_kafka_message_destroy(m);
            took++;
        }
        consumer_serve(w->consumer);
        /* Wait for the LLM, a new message (queue event wakes us), or a delivery report. */
        int wait = 100;
        if (w->jobs > llmclient_inflight(w->http))
            wait = 10; /* results awaiting delivery reports (the queue event wakes us too) */
        if (took && llmclient_inflight(w->http) < cap)
            wait = 0;
        if (llmclient_run(w->http, wait, worker_llm_done, w) < 0) {
            log_error("libcurl multi error");
            w->fatal = 1;
        }
        prom_gauge_set(w->m_inflight, llmclient_inflight(w->http));
        consumer_serve(w->consumer);
    }
    if (w->jobs > 0)
        log_warn("stopped with %d job(s) unfinished; their offsets are not committed", w->jobs);
    return w->fatal ? -1 : 0;
}

void worker_destroy(worker *w)
{
    if (!w)
        return;
    if (w->consumer_queue) {
        rd_kafka_queue_cb_event_enable(w->consumer_queue, NULL, NULL);
        rd_kafka_queue_destroy(w->consumer_queue);
    }
    if (w->producer_queue) {
        rd_kafka_queue_cb_event_enable(w->producer_queue, NULL, NULL);
        rd_kafka_queue_destroy(w->producer_queue);
    }
    /* deliver what is queued (their offsets get stored), then commit and leave */
    consumer_destroy(w->consumer);
    /* aborts unfinished requests (only after a shutdown timeout): their offsets stay
     * uncommitted, so the questions are read again after a restart */
    llmclient_destroy(w->http, worker_job_free_any);
    prompt_destroy(w->prompt);
    free(w);
}
