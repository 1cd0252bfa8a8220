/* retry.c -- the non-blocking retry consumer: error topic -> (delay) -> questions-pending. */
#include "retry.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "delayqueue.h"
#include "errlog.h"
#include "kafka.h"
#include "log.h"
#include "msg.h"
#include "offsets.h"
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
    int32_t partition;
    int64_t offset;
    msg_error e;           /* zeroed when malformed */
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
    kafka_consumer *consumer;
    kafka_producer *producer;
    delayqueue *queue;
    offsets *offsets;
    errlog *errlog;
    retry_item *pg_todo;   /* rows that failed to be written, retried every second */
    int64_t pg_next_try_ms;
    atomic_int held, assigned;
    size_t held_bytes;     /* of the messages waiting in queue */
    int paused;            /* the assignment is paused: at the cap of messages or bytes held */
    atomic_int assign_gen; /* bumped on every assignment: new partitions must be paused too */
    int paused_gen;
    int fatal;
    prom_counter *m_consumed, *m_forwarded, *m_dead, *m_malformed, *m_pg_errors, *m_produce_errors;
    prom_gauge *m_held, *m_assigned, *m_held_bytes, *m_paused;
    prom_counter *m_pauses;
    prom_histogram *m_lateness;
};

static void retry_item_unref(retry_item *it)
{
    if (!it || --it->refs > 0)
        return;
    msg_error_free(&it->e);
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

/* Pauses (1) or resumes (0) every partition of the current assignment. Pausing drops what librdkafka
 * prefetched: each partition is sought back to the next message this consumer has not taken, so
 * nothing is skipped when it resumes. */
static void retry_pause_all(retry_consumer *r, int pause)
{
    rd_kafka_t *rk = kafka_consumer_handle(r->consumer);
    rd_kafka_topic_partition_list_t *parts = NULL;
    if (rd_kafka_assignment(rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR || !parts)
        return;
    if (parts->cnt > 0 && pause) {
        rd_kafka_pause_partitions(rk, parts);
        rd_kafka_position(rk, parts);
        rd_kafka_topic_partition_list_t *seek = rd_kafka_topic_partition_list_new(parts->cnt);
        for (int i = 0; i < parts->cnt; i++)
            if (parts->elems[i].offset >= 0)
                rd_kafka_topic_partition_list_add(seek, parts->elems[i].topic, parts->elems[i].partition)->offset =
                    parts->elems[i].offset;
        rd_kafka_error_t *e = seek->cnt ? rd_kafka_seek_partitions(rk, seek, 2000) : NULL;
        if (e) {
            log_warn("pause: seek back failed: %s", rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
        }
        rd_kafka_topic_partition_list_destroy(seek);
    } else if (parts->cnt > 0) {
        rd_kafka_resume_partitions(rk, parts);
    }
    rd_kafka_topic_partition_list_destroy(parts);
}

/* Holds the waiting messages under --max-held and --max-held-mb: at the cap the partitions are paused
 * (new ones of a rebalance too), below 90 % of both they resume. */
static void retry_flow_control(retry_consumer *r)
{
    size_t held = delayqueue_size(r->queue), max = (size_t)r->o.max_held, maxb = r->o.max_held_bytes;
    int over = held >= max || r->held_bytes >= maxb;
    int gen = atomic_load(&r->assign_gen);
    if (over && (!r->paused || r->paused_gen != gen)) {
        if (!r->paused) {
            prom_counter_inc(r->m_pauses);
            log_warn("holding %zu messages (%zu bytes): pausing intake (caps %zu messages, %zu bytes)", held,
                     r->held_bytes, max, maxb);
        }
        retry_pause_all(r, 1);
        r->paused = 1;
        r->paused_gen = gen;
    } else if (r->paused && held < max - max / 10 && r->held_bytes < maxb - maxb / 10) {
        retry_pause_all(r, 0);
        r->paused = 0;
        log_info("holding %zu messages (%zu bytes): intake resumed", held, r->held_bytes);
    }
    prom_gauge_set(r->m_paused, r->paused);
}

/* ---------- rebalance ---------- */

static void retry_on_assign(void *opaque, const rd_kafka_topic_partition_list_t *parts)
{
    retry_consumer *r = opaque;
    atomic_fetch_add(&r->assign_gen, 1);
    atomic_fetch_add(&r->assigned, parts->cnt);
    prom_gauge_set(r->m_assigned, atomic_load(&r->assigned));
}

static void retry_on_revoke(void *opaque, const rd_kafka_topic_partition_list_t *parts, int lost)
{
    retry_consumer *r = opaque;
    /* Timers of revoked partitions are dropped: their messages are uncommitted and the new
     * owner re-reads them, due at the same time (the delay counts from the Kafka timestamp). */
    for (int i = 0; i < parts->cnt; i++) {
        size_t n = delayqueue_drop_partition(r->queue, parts->elems[i].partition);
        offsets_drop_partition(r->offsets, parts->elems[i].partition);
        if (n)
            log_info("rebalance: dropped %zu waiting message(s) of partition %d", n,
                     parts->elems[i].partition);
    }
    retry_update_held(r);
    atomic_fetch_sub(&r->assigned, parts->cnt);
    if (atomic_load(&r->assigned) < 0)
        atomic_store(&r->assigned, 0);
    prom_gauge_set(r->m_assigned, atomic_load(&r->assigned));
}

int retry_held(const retry_consumer *r)
{
    return atomic_load(&((retry_consumer *)r)->held);
}

int retry_assigned(const retry_consumer *r)
{
    return atomic_load(&((retry_consumer *)r)->assigned);
}

/* ---------- completion ---------- */

static void retry_maybe_release(retry_consumer *r, retry_item *it)
{
    if (!it->pg_done || !it->out_done)
        return;
    int64_t commit = offsets_done(r->offsets, it->partition, it->offset);
    if (commit <= 0)
        return; /* not yet contiguous, or the partition was revoked meanwhile */
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, r->o.topic_in, it->partition)->offset = commit;
    rd_kafka_resp_err_t e = rd_kafka_offsets_store(kafka_consumer_handle(r->consumer), l);
    if (!e)
        e = l->elems[0].err;
    rd_kafka_topic_partition_list_destroy(l);
    if (e)
        log_warn("offset store partition=%d offset=%lld: %s", it->partition, (long long)commit,
                 rd_kafka_err2str(e));
}

static void retry_send(retry_consumer *r, retry_item *it)
{
    char err[256];
    it->refs++;
    if (kafka_producer_send(r->producer, it->topic, it->key, it->payload, strlen(it->payload),
                            it, err, sizeof err) != 0) {
        log_error("produce to %s failed question_id=%s: %s", it->topic, it->key, err);
        prom_counter_inc(r->m_produce_errors);
        it->refs--;
        r->fatal = 1; /* the local queue stayed full: let a restart re-read it */
    }
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
            log_error("cannot encode forward question_id=%s: %s", it->key, err);
            r->fatal = 1;
        }
        retry_item_unref(it); /* the queue's reference */
    }
    retry_update_held(r);
}

/* ---------- intake ---------- */

static void retry_take(retry_consumer *r, rd_kafka_message_t *m)
{
    char err[256], reason[400];
    retry_item *it = calloc(1, sizeof *it);
    if (!it) {
        r->fatal = 1;
        return;
    }
    it->refs = 1; /* ours, until the end of this function */
    it->owner = r;
    it->bytes = m->len + m->key_len + sizeof *it;
    it->partition = m->partition;
    it->offset = m->offset;
    it->delay_ms = -1;
    prom_counter_inc(r->m_consumed);
    if (offsets_track(r->offsets, m->partition, m->offset) != 0)
        log_warn("offset not tracked partition=%d offset=%lld", m->partition, (long long)m->offset);

    if (msg_error_decode(m->payload, m->len, &it->e, err, sizeof err) != 0) {
        it->e.run = msg_peek_run(m->payload, m->len);
        it->key = (m->key && m->key_len) ? strndup(m->key, m->key_len) : strdup("unknown");
        snprintf(reason, sizeof reason, "malformed message on %s: %s", r->o.topic_in, err);
        log_warn("malformed message partition=%d offset=%lld key=%s: %s", m->partition,
                 (long long)m->offset, it->key, err);
        prom_counter_inc(r->m_malformed);
        it->pg_done = 1;
        if (retry_build_dead(r, it, reason, err, sizeof err) != 0) {
            free(it->key);
            it->key = strdup("unknown");
            retry_build_dead(r, it, reason, err, sizeof err);
        }
        if (it->payload)
            retry_send(r, it);
        else
            r->fatal = 1;
        retry_item_unref(it);
        return;
    }
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
            r->fatal = 1;
    } else {
        log_info("schedule question_id=%s error_retries=%d delay_ms=%lld due_in_ms=%lld", it->key,
                 it->e.error_retries, (long long)d.delay_ms, (long long)(it->due_ms - now));
        it->refs++;
        if (delayqueue_push(r->queue, it->due_ms, it->partition, it) != 0) {
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
    r->m_consumed = prom_counter_create(o->prom, "qaflow_retry_consumed_total", "Error messages consumed", NULL);
    r->m_forwarded = prom_counter_create(o->prom, "qaflow_retry_forwarded_total", "Questions sent back to questions-pending", NULL);
    r->m_dead = prom_counter_create(o->prom, "qaflow_retry_dead_lettered_total", "Questions sent to questions-failed (retries exhausted)", NULL);
    r->m_held_bytes = prom_gauge_create(o->prom, "qaflow_retry_held_bytes", "Bytes of the messages waiting", NULL);
    r->m_paused = prom_gauge_create(o->prom, "qaflow_retry_paused", "1 while intake is paused at the cap of messages or bytes held", NULL);
    r->m_pauses = prom_counter_create(o->prom, "qaflow_retry_pauses_total", "Times intake paused at the cap", NULL);
    prom_gauge_set(prom_gauge_create(o->prom, "qaflow_retry_max_held", "Cap on the messages waiting", NULL), o->max_held);
    prom_gauge_set(prom_gauge_create(o->prom, "qaflow_retry_max_held_bytes", "Cap on the bytes of the messages waiting", NULL),
                   (double)o->max_held_bytes);
    r->m_malformed = prom_counter_create(o->prom, "qaflow_retry_malformed_total", "Malformed error messages dead-lettered", NULL);
    r->m_pg_errors = prom_counter_create(o->prom, "qaflow_retry_pg_errors_total", "Failed llm_errors upserts (retried)", NULL);
    r->m_produce_errors = prom_counter_create(o->prom, "qaflow_retry_produce_errors_total", "Failed produce attempts", NULL);
    r->m_held = prom_gauge_create(o->prom, "qaflow_retry_waiting", "Messages waiting for their retry time", NULL);
    r->m_assigned = prom_gauge_create(o->prom, "qaflow_retry_assigned_partitions", "Partitions assigned", NULL);
    static const double lb[] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 30};
    r->m_lateness = prom_histogram_create(o->prom, "qaflow_retry_lateness_seconds",
                                          "How long after its due time a message was forwarded", NULL, lb, sizeof lb / sizeof *lb);
    r->queue = delayqueue_create(retry_item_unref_any);
    r->offsets = offsets_create();
    if (!r->queue || !r->offsets) {
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
    kafka_producer_opts po = {o->brokers, o->client_id, o->kafka_props, o->nkafka_props,
                              retry_delivered, r};
    r->producer = kafka_producer_create(&po, err, errlen);
    if (!r->producer)
        goto fail;
    const char *topics[] = {o->topic_in};
    kafka_consumer_opts co = {o->brokers, o->group, o->client_id, topics, 1, o->kafka_props,
                              o->nkafka_props, retry_on_assign, retry_on_revoke, r};
    r->consumer = kafka_consumer_create(&co, err, errlen);
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
        rd_kafka_message_t *m = kafka_consumer_poll(r->consumer, (int)wait);
        if (m && r->paused) {
            /* fetched before the pause took effect: given back, read again after the resume */
            char err[256];
            if (kafka_consumer_seek_back(r->consumer, m, err, sizeof err) != 0)
                log_warn("paused: %s", err);
            rd_kafka_message_destroy(m);
            m = NULL;
        }
        for (int n = 0; m && n < 1000; n++) {
            retry_take(r, m);
            rd_kafka_message_destroy(m);
            retry_flow_control(r); /* a burst stops at the cap too */
            m = n + 1 < 1000 && !r->paused ? kafka_consumer_poll(r->consumer, 0) : NULL;
        }
        if (m)
            rd_kafka_message_destroy(m);
        now = timeutil_now_ms();
        retry_forward_due(r, now);
        retry_pg_retry(r, now);
        kafka_producer_poll(r->producer, 0);
    }
    log_info("stopping: %zu message(s) still waiting stay uncommitted", delayqueue_size(r->queue));
    return r->fatal ? -1 : 0;
}

void retry_destroy(retry_consumer *r)
{
    if (!r)
        return;
    /* deliver what was sent (stores its offsets), one last try for pending rows, commit */
    if (r->producer)
        kafka_producer_flush(r->producer, 10000);
    if (r->pg_todo) {
        r->pg_next_try_ms = 0;
        retry_pg_retry(r, INT64_MAX);
    }
    kafka_consumer_destroy(r->consumer);
    kafka_producer_destroy(r->producer);
    while (r->pg_todo) {
        retry_item *it = r->pg_todo;
        r->pg_todo = it->pg_next;
        retry_item_unref(it);
    }
    delayqueue_destroy(r->queue);
    offsets_destroy(r->offsets);
    errlog_destroy(r->errlog);
    free(r);
}
