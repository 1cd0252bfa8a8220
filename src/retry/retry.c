/* retry.c -- the non-blocking retry consumer: error topic -> (delay) -> questions-pending. */
#include "retry.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consumer.h"
#include "delayqueue.h"
#include "errlog.h"
#include "log.h"
#include "msg.h"
#include "timeutil.h"
#include "utf8.h"

/* One consumed error message. Reference-counted: the delay queue, the PostgreSQL retry list
 * and the producer (until its delivery report) each hold a reference. Its offset is released
 * once the llm_errors row is written AND the forward / dead letter is delivered. */
typedef struct retry_consumer retry_consumer;

typedef struct retry_item {
    int refs;
    retry_consumer *owner; /* whose held_bytes counts it while it waits */
    size_t bytes;          /* the message's size, counted against --max-held-mb while it waits */
    consumer_ticket t;
    char *raw;             /* the message as read (dead-lettered with it if what it becomes cannot be encoded) */
    size_t rawlen;
    msg_error e;
    char *key;
    int64_t due_ms;        /* wall clock */
    int64_t delay_ms;      /* -1 when dead-lettered */
    int pg_done, out_done;
    const char *topic;     /* where it goes */
    char *payload;         /* built when it is sent */
    struct retry_item *pg_next;
} retry_item;

struct retry_consumer {
    retry_opts o;
    consumer *consumer;    /* the error topic, and the producer of forwards and dead letters */
    delayqueue *queue;
    errlog *errlog;
    retry_item *pg_todo;   /* rows that failed to be written, retried every second */
    int64_t pg_next_try_ms;
    atomic_int held;
    size_t held_bytes;     /* of the messages waiting in queue */
    int fatal;
    /* consumed, malformed, paused, pauses, partitions: the consumer module's (prefix qaflow_retry) */
    prom_counter *m_forwarded, *m_dead, *m_pg_errors, *m_produce_errors;
    prom_gauge *m_held, *m_held_bytes;
    prom_histogram *m_lateness;
};

static void retry_item_unref(retry_item *it)
{
    if (!it || --it->refs > 0)
        return;
    msg_error_free(&it->e);
    free(it->raw);
    free(it->key);
    free(it->payload);
    free(it);
}

/* The queue's reference of an item dropped without being due (a revoked partition, the end). */
static void retry_item_unref_any(void *p)
{
    retry_item *it = p;
    it->owner->held_bytes -= it->bytes;
    retry_item_unref(it);
}

static void retry_update_held(retry_consumer *r)
{
    atomic_store(&r->held, (int)delayqueue_size(r->queue));
    prom_gauge_set(r->m_held, (double)delayqueue_size(r->queue));
    prom_gauge_set(r->m_held_bytes, (double)r->held_bytes);
}

/* Holds the waiting messages under --max-held and --max-held-mb: at the cap the partitions are paused
 * (new ones of a rebalance too), below 90 % of both they resume. */
static void retry_flow_control(retry_consumer *r)
{
    size_t held = delayqueue_size(r->queue), max = (size_t)r->o.max_held, maxb = r->o.max_held_bytes;
    int paused = consumer_paused(r->consumer);
    if (!paused && (held >= max || r->held_bytes >= maxb)) {
        log_warn("holding %zu messages (%zu bytes): pausing intake (caps %zu messages, %zu bytes)", held,
                 r->held_bytes, max, maxb);
        consumer_pause(r->consumer, 1);
    } else if (paused && held < max - max / 10 && r->held_bytes < maxb - maxb / 10) {
        consumer_pause(r->consumer, 0);
        log_info("holding %zu messages (%zu bytes): intake resumed", held, r->held_bytes);
    }
}

/* ---------- rebalance ---------- */

static void retry_on_revoke(void *opaque, const rd_kafka_topic_partition_list_t *parts, int lost)
{
    retry_consumer *r = opaque;
    /* Timers of revoked partitions are dropped: their messages are uncommitted and the new
     * owner re-reads them, due at the same time (the delay counts from the Kafka timestamp). */
    for (int i = 0; i < parts->cnt; i++) {
        size_t n = delayqueue_drop_partition(r->queue, parts->elems[i].partition);
        if (n)
            log_info("rebalance: dropped %zu waiting message(s) of partition %d", n,
                     parts->elems[i].partition);
    }
    retry_update_held(r);
}

int retry_held(const retry_consumer *r)
{
    return atomic_load(&((retry_consumer *)r)->held);
}

int retry_assigned(const retry_consumer *r)
{
    return consumer_assigned(r->consumer);
}

size_t retry_produce_held(const retry_consumer *r)
{
    return consumer_held(r->consumer);
}

/* ---------- completion ---------- */

static void retry_maybe_release(retry_consumer *r, retry_item *it)
{
    if (it->pg_done && it->out_done)
        consumer_done(r->consumer, &it->t);
}

/* What it becomes cannot be encoded or produced (cannot happen with a decoded message of a sane size):
 * dead-lettered with the message as read, so the partition moves on. */
static void retry_poison(retry_consumer *r, retry_item *it, const char *reason)
{
    if (consumer_dead_letter(r->consumer, &it->t, reason, it->raw, it->rawlen, it->key, strlen(it->key)) != 0)
        r->fatal = 1; /* out of memory, or a fatal producer error (a full queue holds it) */
}

/* Queues its forward or dead letter. When Kafka cannot take it now the consumer module holds it
 * (and pauses intake) until it can. */
static void retry_send(retry_consumer *r, retry_item *it)
{
    char err[256];
    it->refs++;
    if (consumer_send(r->consumer, it->topic, it->key, it->payload, it, err, sizeof err) != 0) {
        log_error("produce to %s failed question_id=%s: %s", it->topic, it->key, err);
        prom_counter_inc(r->m_produce_errors);
        it->refs--;
        char reason[300];
        snprintf(reason, sizeof reason, "result could not be produced: %s", err);
        retry_poison(r, it, reason);
    }
}

/* A send still held at the end (never queued): its offset stays uncommitted. */
static void retry_unsent(void *opaque, void *msg_opaque)
{
    retry_item_unref(msg_opaque);
}

static void retry_delivered(void *cb_opaque, void *msg_opaque, int ok, const char *errstr,
                            int32_t partition, int64_t offset)
{
    retry_consumer *r = cb_opaque;
    retry_item *it = msg_opaque;
    if (!ok) {
        log_warn("delivery to %s failed question_id=%s: %s; sending again", it->topic, it->key,
                 errstr ? errstr : "");
        prom_counter_inc(r->m_produce_errors);
        retry_send(r, it);
        retry_item_unref(it);
        return;
    }
    it->out_done = 1;
    retry_maybe_release(r, it);
    retry_item_unref(it);
}

static int retry_write_row(retry_consumer *r, retry_item *it)
{
    char err[256];
    if (!r->errlog || !it->e.question_id) {
        it->pg_done = 1;
        return 0;
    }
    if (errlog_write(r->errlog, &it->e, retry_policy_name(r->o.policy.kind), it->delay_ms, err,
                     sizeof err) != 0) {
        log_warn("llm_errors upsert failed question_id=%s (retrying every second): %s",
                 it->e.question_id, err);
        prom_counter_inc(r->m_pg_errors);
        return -1;
    }
    it->pg_done = 1;
    return 0;
}

static void retry_pg_retry(retry_consumer *r, int64_t now)
{
    if (!r->pg_todo || now < r->pg_next_try_ms)
        return;
    r->pg_next_try_ms = now < INT64_MAX - 1000 ? now + 1000 : INT64_MAX;
    retry_item **pp = &r->pg_todo;
    while (*pp) {
        retry_item *it = *pp;
        if (retry_write_row(r, it) != 0)
            return; /* database still unavailable: try again later */
        *pp = it->pg_next;
        retry_maybe_release(r, it);
        retry_item_unref(it);
    }
}

/* ---------- forwarding ---------- */

static int retry_build_forward(retry_consumer *r, retry_item *it, char *err, size_t errlen)
{
    char now[TIMEUTIL_ISO_LEN];
    timeutil_now_iso(now, sizeof now);
    msg_pending q = {0};
    q.question_id = it->e.question_id;
    q.question_text = it->e.question_text;
    q.original_answer = it->e.original_answer;
    q.retry_count = it->e.retry_count;   /* quality regenerations: untouched */
    q.timestamp = now;
    q.error_retries = it->e.error_retries + 1;
    q.created_at = it->e.created_at;
    q.run = it->e.run;
    it->payload = msg_pending_encode(&q, err, errlen);
    it->topic = r->o.topic_pending;
    return it->payload ? 0 : -1;
}

static int retry_build_dead(retry_consumer *r, retry_item *it, const char *reason, char *err,
                            size_t errlen)
{
    char now[TIMEUTIL_ISO_LEN];
    timeutil_now_iso(now, sizeof now);
    char clean[400]; /* a reason may quote message bytes: valid UTF-8, cut on a boundary */
    utf8_copy(clean, sizeof clean, reason, strlen(reason));
    msg_failed f = {0};
    f.question_id = it->key;
    f.reason = clean;
    f.stage = "retry";
    f.retry_count = it->e.retry_count;
    f.error_retries = it->e.error_retries;
    f.timestamp = now;
    f.has_http_status = it->e.has_http_status && it->e.http_status > 0;
    f.http_status = it->e.http_status;
    f.created_at = it->e.created_at;
    f.run = it->e.run;
    it->payload = msg_failed_encode(&f, err, errlen);
    it->topic = r->o.topic_failed;
    return it->payload ? 0 : -1;
}

/* What it becomes cannot be encoded (cannot happen with a decoded message). */
static void retry_unencodable(retry_consumer *r, retry_item *it, const char *err)
{
    log_error("cannot encode the result of question_id=%s: %s", it->key, err);
    retry_poison(r, it, "result could not be encoded");
}

static void retry_forward_due(retry_consumer *r, int64_t now)
{
    char err[256];
    retry_item *it;
    while ((it = delayqueue_pop_due(r->queue, now))) {
        r->held_bytes -= it->bytes;
        if (retry_build_forward(r, it, err, sizeof err) == 0) {
            prom_histogram_observe(r->m_lateness, (double)(now - it->due_ms) / 1000.0);
            prom_counter_inc(r->m_forwarded);
            log_info("forward question_id=%s error_retries=%d->%d late_ms=%lld", it->key,
                     it->e.error_retries, it->e.error_retries + 1, (long long)(now - it->due_ms));
            retry_send(r, it);
        } else {
            retry_unencodable(r, it, err);
        }
        retry_item_unref(it); /* the queue's reference */
    }
    retry_update_held(r);
}

/* ---------- intake ---------- */

static void retry_take(retry_consumer *r, rd_kafka_message_t *m, const consumer_ticket *t)
{
    char err[256];
    retry_item *it = calloc(1, sizeof *it);
    if (!it) {
        r->fatal = 1;
        return;
    }
    it->refs = 1; /* ours, until the end of this function */
    it->owner = r;
    it->t = *t;
    it->delay_ms = -1;
    if (msg_error_decode(m->payload, m->len, &it->e, err, sizeof err) != 0) {
        retry_item_unref(it);
        if (consumer_reject(r->consumer, m, t, err) != 0)
            r->fatal = 1; /* out of memory, or a fatal producer error (a full queue holds it) */
        return;
    }
    it->raw = malloc(m->len ? m->len : 1);
    if (!it->raw) {
        retry_item_unref(it);
        r->fatal = 1;
        return;
    }
    memcpy(it->raw, m->payload, m->len);
    it->rawlen = m->len;
    it->bytes = 2 * m->len + m->key_len + sizeof *it;
    it->key = strdup(it->e.question_id);
    long retry_after = it->e.has_retry_after_s ? it->e.retry_after_s : -1;
    retry_decision d;
    retry_policy_decide(&r->o.policy, it->e.error_retries, retry_after, &d);

    rd_kafka_timestamp_type_t tstype;
    int64_t ts = rd_kafka_message_timestamp(m, &tstype);
    int64_t now = timeutil_now_ms();
    if (ts <= 0 || tstype == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE)
        ts = now;
    it->delay_ms = d.forward ? d.delay_ms : -1;
    it->due_ms = ts + d.delay_ms;

    /* the llm_errors row comes first: the offset is not released before it is written */
    if (retry_write_row(r, it) != 0) {
        it->refs++;
        it->pg_next = r->pg_todo;
        r->pg_todo = it;
    }
    if (!d.forward) {
        log_info("dead-letter question_id=%s error_retries=%d: %s", it->key, it->e.error_retries,
                 d.reason);
        prom_counter_inc(r->m_dead);
        if (retry_build_dead(r, it, d.reason, err, sizeof err) == 0)
            retry_send(r, it);
        else
            retry_unencodable(r, it, err);
    } else {
        log_info("schedule question_id=%s error_retries=%d delay_ms=%lld due_in_ms=%lld", it->key,
                 it->e.error_retries, (long long)d.delay_ms, (long long)(it->due_ms - now));
        it->refs++;
        if (delayqueue_push(r->queue, it->due_ms, it->t.partition, it) != 0) {
            it->refs--;
            r->fatal = 1;
        } else {
            r->held_bytes += it->bytes;
        }
    }
    retry_item_unref(it);
}

/* ---------- lifecycle ---------- */

retry_consumer *retry_create(const retry_opts *o, char *err, size_t errlen)
{
    retry_consumer *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->o = *o;
    r->m_forwarded = prom_counter_create(o->prom, "qaflow_retry_forwarded_total", "Questions sent back to questions-pending", NULL);
    r->m_dead = prom_counter_create(o->prom, "qaflow_retry_dead_lettered_total", "Questions sent to questions-failed (retries exhausted)", NULL);
    r->m_held_bytes = prom_gauge_create(o->prom, "qaflow_retry_held_bytes", "Bytes of the messages waiting", NULL);
    prom_gauge_set(prom_gauge_create(o->prom, "qaflow_retry_max_held", "Cap on the messages waiting", NULL), o->max_held);
    prom_gauge_set(prom_gauge_create(o->prom, "qaflow_retry_max_held_bytes", "Cap on the bytes of the messages waiting", NULL),
                   (double)o->max_held_bytes);
    r->m_pg_errors = prom_counter_create(o->prom, "qaflow_retry_pg_errors_total", "Failed llm_errors upserts (retried)", NULL);
    r->m_produce_errors = prom_counter_create(o->prom, "qaflow_retry_produce_errors_total", "Failed produce attempts", NULL);
    r->m_held = prom_gauge_create(o->prom, "qaflow_retry_waiting", "Messages waiting for their retry time", NULL);
    static const double lb[] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 30};
    r->m_lateness = prom_histogram_create(o->prom, "qaflow_retry_lateness_seconds",
                                          "How long after its due time a message was forwarded", NULL, lb, sizeof lb / sizeof *lb);
    r->queue = delayqueue_create(retry_item_unref_any);
    if (!r->queue) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (o->pg_dsn && *o->pg_dsn) {
        r->errlog = errlog_create(o->pg_dsn, err, errlen);
        if (!r->errlog)
            goto fail;
    } else {
        log_warn("no --pg-dsn: error events are not recorded in llm_errors");
    }
    /* Timers of revoked partitions are dropped (retry_on_revoke); the module ignores completions of
     * their messages: the new owner re-reads them. */
    consumer_opts co = {.brokers = o->brokers, .group = o->group, .client_id = o->client_id,
                        .topics = &r->o.topic_in, .ntopics = 1, .props = o->kafka_props,
                        .nprops = o->nkafka_props, .topic_failed = o->topic_failed, .stage = "retry",
                        .prom = o->prom, .metric_prefix = "qaflow_retry", .on_delivery = retry_delivered,
                        .opaque = r, .on_revoke = retry_on_revoke, .on_unsent = retry_unsent};
    r->consumer = consumer_create(&co, err, errlen);
    if (!r->consumer)
        goto fail;
    return r;
fail:
    retry_destroy(r);
    return NULL;
}

int retry_run(retry_consumer *r, volatile sig_atomic_t *stop)
{
    while (!*stop && !r->fatal) {
        int64_t now = timeutil_now_ms();
        int64_t next = delayqueue_next_due(r->queue);
        int64_t wait = next == INT64_MAX ? 100 : next - now;
        if (wait > 100)
            wait = 100;
        if (wait < 0)
            wait = 0;
        /* never sleeps beyond the next due time; a message arriving wakes the poll */
        retry_flow_control(r);
        consumer_ticket t;
        rd_kafka_message_t *m = consumer_poll(r->consumer, (int)wait, &t);
        for (int n = 0; m; n++) {
            retry_take(r, m, &t);
            rd_kafka_message_destroy(m);
            retry_flow_control(r); /* a burst stops at the cap too */
            m = n + 1 < 1000 && !consumer_paused(r->consumer) ? consumer_poll(r->consumer, 0, &t) : NULL;
        }
        now = timeutil_now_ms();
        retry_forward_due(r, now);
        retry_pg_retry(r, now);
        consumer_serve(r->consumer);
    }
    log_info("stopping: %zu message(s) still waiting stay uncommitted", delayqueue_size(r->queue));
    return r->fatal ? -1 : 0;
}

void retry_destroy(retry_consumer *r)
{
    if (!r)
        return;
    /* deliver what was sent (stores its offsets), one last try for pending rows, commit */
    if (r->consumer)
        consumer_flush(r->consumer, 10000);
    if (r->pg_todo) {
        r->pg_next_try_ms = 0;
        retry_pg_retry(r, INT64_MAX);
    }
    consumer_destroy(r->consumer);
    while (r->pg_todo) {
        retry_item *it = r->pg_todo;
        r->pg_todo = it->pg_next;
        retry_item_unref(it);
    }
    delayqueue_destroy(r->queue);
    errlog_destroy(r->errlog);
    free(r);
}
