/* consumer.c -- the at-least-once Kafka consumer of every C service: rebalances, out-of-order completion, pause, poison. */
#include "consumer.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "msg.h"
#include "offsets.h"
#include "qid.h"
#include "timeutil.h"

/* The per-partition in-flight gauge of one (topic, partition), made on its first message. */
typedef struct consumer_part_gauge {
    int topic;
    int32_t partition;
    prom_gauge *g;
} consumer_part_gauge;

/* What goes through the producer: a service's message (dead == NULL) or a dead letter. */
typedef struct consumer_dead {
    consumer_ticket t;
    char *key;
    char *payload;
    void *raw;
    size_t rawlen;
    char *rawkey;
    size_t rawkeylen;
} consumer_dead;

/* The envelope of one send, from consumer_send (or a dead letter) to its delivery report. A held one
 * (not queued yet) owns copies of the service's topic, key and payload; a dead letter has its own. */
typedef struct consumer_out {
    void *user;
    consumer_dead *dead;
    char *topic, *key, *payload; /* the service's: borrowed during the first try, copies while held */
    int copied;
    struct consumer_out *next;   /* in the held list */
} consumer_out;

struct consumer {
    consumer_opts o;
    rd_kafka_t *rk;
    kafka_producer *producer;
    offsets **offsets;  /* one tracker per topic */
    atomic_int assigned;
    int paused;         /* in effect: the service's pause or held sends */
    int user_paused;    /* consumer_pause */
    consumer_out *held, **held_tail; /* sends not queued yet, oldest first */
    atomic_size_t nheld;
    int blocked;        /* sends held: intake paused */
    int64_t blocked_since_ms;
    size_t blocked_sends;
    char metric_prefix[96];
    consumer_part_gauge *gauges;
    size_t ngauges;
    prom_counter *m_taken, *m_poison, *m_stores, *m_pauses, *m_blocked;
    prom_gauge *m_assigned, *m_paused, *m_held;
};

static void consumer_apply_pause(consumer *c);

/* ---------- metrics ---------- */

static const char *consumer_metric(const consumer *c, const char *suffix, char *buf, size_t len)
{
    snprintf(buf, len, "%s_%s", c->metric_prefix, suffix);
    return buf;
}

/* The in-flight gauge of (topic, partition): set to the messages taken and not yet released. */
static void consumer_gauge_update(consumer *c, int topic, int32_t partition)
{
    consumer_part_gauge *pg = NULL;
    for (size_t i = 0; i < c->ngauges && !pg; i++)
        if (c->gauges[i].topic == topic && c->gauges[i].partition == partition)
            pg = &c->gauges[i];
    if (!pg) {
        consumer_part_gauge *n = realloc(c->gauges, (c->ngauges + 1) * sizeof *n);
        if (!n)
            return;
        c->gauges = n;
        char name[160], labels[320];
        snprintf(labels, sizeof labels, "topic=\"%s\",partition=\"%d\"", c->o.topics[topic], (int)partition);
        pg = &c->gauges[c->ngauges++];
        pg->topic = topic;
        pg->partition = partition;
        pg->g = prom_gauge_create(c->o.prom, consumer_metric(c, "consumer_in_flight", name, sizeof name),
                                  "Messages taken and not yet released, by partition", labels);
    }
    prom_gauge_set(pg->g, (double)offsets_pending(c->offsets[topic], partition));
}

static int consumer_topic_index(const consumer *c, const char *name)
{
    for (size_t i = 0; i < c->o.ntopics; i++)
        if (strcmp(c->o.topics[i], name) == 0)
            return (int)i;
    return -1;
}

/* ---------- rebalance ---------- */

static void consumer_log_parts(const char *what, const rd_kafka_topic_partition_list_t *parts)
{
    char buf[512];
    size_t w = 0;
    buf[0] = '\0';
    for (int i = 0; i < parts->cnt && w < sizeof buf - 40; i++)
        w += (size_t)snprintf(buf + w, sizeof buf - w, "%s%s[%d]", i ? "," : "", parts->elems[i].topic,
                              parts->elems[i].partition);
    log_info("kafka %s partitions=%d %s", what, parts->cnt, buf);
}

/* Forgets the revoked partitions: their completions are ignored from now on. */
static void consumer_forget(consumer *c, const rd_kafka_topic_partition_list_t *parts)
{
    for (int i = 0; i < parts->cnt; i++) {
        int t = consumer_topic_index(c, parts->elems[i].topic);
        if (t < 0)
            continue;
        offsets_drop_partition(c->offsets[t], parts->elems[i].partition);
        consumer_gauge_update(c, t, parts->elems[i].partition);
    }
}

static void consumer_count_assigned(consumer *c, int delta)
{
    int n = atomic_fetch_add(&c->assigned, delta) + delta;
    if (n < 0) {
        atomic_store(&c->assigned, 0);
        n = 0;
    }
    prom_gauge_set(c->m_assigned, n);
}

/* Eager and cooperative protocols, lost assignments: the one rebalance callback. */
static void consumer_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t e, rd_kafka_topic_partition_list_t *parts,
                                  void *opaque)
{
    consumer *c = opaque;
    int cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    rd_kafka_error_t *kerr = NULL;
    rd_kafka_resp_err_t ret = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        consumer_log_parts(cooperative ? "incremental assign" : "assign", parts);
        if (cooperative)
            kerr = rd_kafka_incremental_assign(rk, parts);
        else
            ret = rd_kafka_assign(rk, parts);
        if (c->paused && parts->cnt > 0)
            rd_kafka_pause_partitions(rk, parts); /* nothing taken from them yet: no seek needed */
        consumer_count_assigned(c, parts->cnt);
        if (c->o.on_assign)
            c->o.on_assign(c->o.opaque, parts);
    } else if (e == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        int lost = rd_kafka_assignment_lost(rk);
        consumer_log_parts(lost ? "lost" : (cooperative ? "incremental revoke" : "revoke"), parts);
        if (c->o.on_revoke)
            c->o.on_revoke(c->o.opaque, parts, lost);
        consumer_forget(c, parts);
        /* a pause survives in librdkafka: resume what we give up */
        rd_kafka_resume_partitions(rk, parts);
        if (!lost) {
            rd_kafka_resp_err_t ce = rd_kafka_commit(rk, NULL, 0);
            if (ce && ce != RD_KAFKA_RESP_ERR__NO_OFFSET)
                log_warn("kafka commit on revoke: %s", rd_kafka_err2str(ce));
        }
        if (cooperative)
            kerr = rd_kafka_incremental_unassign(rk, parts);
        else
            ret = rd_kafka_assign(rk, NULL);
        consumer_count_assigned(c, -parts->cnt);
    } else {
        log_error("kafka rebalance error: %s", rd_kafka_err2str(e));
        ret = rd_kafka_assign(rk, NULL);
        atomic_store(&c->assigned, 0);
        prom_gauge_set(c->m_assigned, 0);
    }
    if (kerr) {
        log_error("kafka rebalance: %s", rd_kafka_error_string(kerr));
        rd_kafka_error_destroy(kerr);
    } else if (ret) {
        log_error("kafka rebalance: %s", rd_kafka_err2str(ret));
    }
}

/* ---------- producer side ---------- */

static void consumer_dead_free(consumer_dead *d)
{
    if (!d)
        return;
    free(d->key);
    free(d->payload);
    free(d->raw);
    free(d->rawkey);
    free(d);
}

/* One try to queue o, without waiting: 0, KAFKA_FULL, KAFKA_AGAIN or -1 (kafka_producer_offer). */
static int consumer_offer(consumer *c, consumer_out *o, char *err, size_t errlen)
{
    consumer_dead *d = o->dead;
    if (!d)
        return kafka_producer_offer(c->producer, o->topic, o->key, o->payload, strlen(o->payload), NULL, 0, o, err,
                                    errlen);
    kafka_header h[2] = {{CONSUMER_HEADER_RAW_VALUE, d->raw, d->rawlen}, {CONSUMER_HEADER_RAW_KEY, d->rawkey, d->rawkeylen}};
    size_t nh = d->raw ? 1 : 0;
    if (d->raw && d->rawkey)
        nh = 2;
    return kafka_producer_offer(c->producer, c->o.topic_failed, d->key, d->payload, strlen(d->payload), h, nh, o, err,
                                errlen);
}

/* Frees the copies of a service's message (queued: librdkafka has its own copy). */
static void consumer_out_uncopy(consumer_out *o)
{
    if (o->copied) {
        free(o->topic);
        free(o->key);
        free(o->payload);
    }
    o->topic = o->key = o->payload = NULL;
    o->copied = 0;
}

static void consumer_held_count(consumer *c, size_t n)
{
    atomic_store(&c->nheld, n);
    prom_gauge_set(c->m_held, (double)n);
}

/* Appends o to the held list (copying the service's message the first time); the first held send
 * pauses intake. 0, or -1 out of memory. */
static int consumer_hold(consumer *c, consumer_out *o, const char *why)
{
    if (!o->dead && !o->copied) {
        char *t = strdup(o->topic), *k = o->key ? strdup(o->key) : NULL, *p = strdup(o->payload);
        if (!t || (o->key && !k) || !p) {
            free(t);
            free(k);
            free(p);
            return -1;
        }
        o->topic = t;
        o->key = k;
        o->payload = p;
        o->copied = 1;
    }
    o->next = NULL;
    *c->held_tail = o;
    c->held_tail = &o->next;
    consumer_held_count(c, atomic_load(&c->nheld) + 1);
    if (!c->blocked) {
        c->blocked = 1;
        c->blocked_since_ms = timeutil_mono_ms();
        c->blocked_sends = 0;
        log_warn("produce blocked (%s): holding sends and pausing intake until they are queued", why);
        consumer_apply_pause(c);
    }
    return 0;
}

/* Queues o, or holds it when it cannot be queued now. 0, or -1 with err (o is the caller's then). */
static int consumer_submit(consumer *c, consumer_out *o, char *err, size_t errlen)
{
    int rc = consumer_offer(c, o, err, errlen);
    if (rc == 0 || rc == -1)
        return rc;
    if (consumer_hold(c, o, err) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    prom_counter_inc(c->m_blocked);
    c->blocked_sends++;
    return 0;
}

static void consumer_delivered(void *cb_opaque, void *msg_opaque, int ok, const char *errstr, int32_t partition,
                               int64_t offset);

/* Tries the held sends again, oldest first (the rest wait once one finds the queue full); resumes
 * intake when none is left. A held send that can never be queued comes back as a failed delivery. */
static void consumer_retry_held(consumer *c)
{
    consumer_out *o = c->held;
    if (!o)
        return;
    c->held = NULL;
    c->held_tail = &c->held;
    int full = 0;
    char err[256] = "";
    while (o) {
        consumer_out *next = o->next;
        int rc = full ? KAFKA_FULL : consumer_offer(c, o, err, sizeof err);
        if (rc == KAFKA_FULL || rc == KAFKA_AGAIN) {
            full = rc == KAFKA_FULL;
            o->next = NULL;
            *c->held_tail = o;
            c->held_tail = &o->next;
        } else {
            consumer_out_uncopy(o); /* queued (librdkafka copied it), or never will be */
            if (rc == -1) {
                log_error("held send cannot be queued: %s", err);
                consumer_delivered(c, o, 0, err, -1, -1);
            }
        }
        o = next;
    }
    size_t n = 0; /* those kept, and any held meanwhile by a failed delivery's callback */
    for (consumer_out *h = c->held; h; h = h->next)
        n++;
    consumer_held_count(c, n);
    if (n == 0) {
        log_info("produce unblocked: the %zu send(s) held over %lld ms are queued; intake no longer paused for them",
                 c->blocked_sends, (long long)(timeutil_mono_ms() - c->blocked_since_ms));
        c->blocked = 0;
        consumer_apply_pause(c);
    }
}

/* Queues (or holds) a dead letter, again after a failed delivery; the envelope comes back in
 * consumer_delivered. 0, or -1 with err (d is the caller's then). */
static int consumer_dead_send(consumer *c, consumer_dead *d, char *err, size_t errlen)
{
    consumer_out *out = calloc(1, sizeof *out);
    if (!out) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    out->dead = d;
    if (consumer_submit(c, out, err, errlen) != 0) {
        free(out);
        return -1;
    }
    return 0;
}

static void consumer_delivered(void *cb_opaque, void *msg_opaque, int ok, const char *errstr, int32_t partition,
                               int64_t offset)
{
    consumer *c = cb_opaque;
    consumer_out *out = msg_opaque;
    consumer_dead *d = out->dead;
    void *user = out->user;
    free(out);
    if (!d) {
        if (c->o.on_delivery)
            c->o.on_delivery(c->o.opaque, user, ok, errstr, partition, offset);
        return;
    }
    char err[256];
    if (!ok) {
        log_warn("dead letter delivery failed key=%s: %s; sending again", d->key, errstr ? errstr : "");
        if (consumer_dead_send(c, d, err, sizeof err) == 0)
            return;
        log_error("dead letter key=%s not sent again: %s (its offset stays uncommitted)", d->key, err);
    } else {
        consumer_done(c, &d->t);
    }
    consumer_dead_free(d);
}

int consumer_send(consumer *c, const char *topic, const char *key, const char *payload, void *msg_opaque,
                  char *err, size_t errlen)
{
    consumer_out *out = calloc(1, sizeof *out);
    if (!out) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    out->user = msg_opaque;
    out->topic = (char *)topic; /* borrowed for the first try; copied if held */
    out->key = (char *)key;
    out->payload = (char *)payload;
    if (consumer_submit(c, out, err, errlen) != 0) {
        free(out);
        return -1;
    }
    return 0;
}

void consumer_serve(consumer *c)
{
    kafka_producer_poll(c->producer, 0);
    consumer_retry_held(c);
}

size_t consumer_held(const consumer *c)
{
    return atomic_load(&((consumer *)c)->nheld);
}

int consumer_flush(consumer *c, int timeout_ms)
{
    int64_t deadline = timeutil_mono_ms() + timeout_ms;
    for (;;) {
        consumer_retry_held(c);
        int64_t left = deadline - timeutil_mono_ms();
        int step = left <= 0 ? 0 : left < 100 ? (int)left : 100;
        if (!c->held) {
            if (kafka_producer_flush(c->producer, step) == 0 && !c->held)
                return 0;
        } else {
            kafka_producer_poll(c->producer, step); /* delivery reports, or a pause before the next try */
        }
        if (left <= 0)
            return -1;
    }
}

/* ---------- poison ---------- */

/* Printable ASCII only (anything else becomes '?'), cut to fit. */
static void consumer_ascii(char *dst, size_t size, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < size; i++)
        dst[i] = (unsigned char)src[i] >= 0x20 && (unsigned char)src[i] < 0x7f ? src[i] : '?';
    dst[i] = '\0';
}

static void *consumer_memdup(const void *p, size_t n)
{
    void *q = malloc(n ? n : 1);
    if (q && n)
        memcpy(q, p, n);
    return q;
}

int consumer_dead_letter(consumer *c, const consumer_ticket *t, const char *reason, const void *raw, size_t rawlen,
                         const char *key, size_t keylen)
{
    char clean[301], qid[QID_MAX_LEN + 1] = "";
    consumer_ascii(clean, sizeof clean, reason && *reason ? reason : "poison message");
    if (key && keylen > 0 && keylen <= QID_MAX_LEN) {
        memcpy(qid, key, keylen);
        qid[keylen] = '\0';
    }
    if (!qid_valid(qid))
        snprintf(qid, sizeof qid, "unknown");
    prom_counter_inc(c->m_poison);
    const char *topic = c->o.topics[t->topic];
    if (strcmp(topic, c->o.topic_failed) == 0) {
        /* the dead-letter topic itself: nowhere further to send it (docs/reliability.md) */
        log_error("poison message on the dead-letter topic skipped topic=%s partition=%d offset=%lld key=%s: %s", topic,
                  (int)t->partition, (long long)t->offset, qid, clean);
        consumer_done(c, t);
        return 0;
    }
    char now[TIMEUTIL_ISO_LEN], err[256];
    timeutil_now_iso(now, sizeof now);
    msg_failed f = {0};
    f.question_id = qid;
    f.reason = clean;
    f.stage = (char *)c->o.stage;
    f.timestamp = now;
    f.run = raw ? msg_peek_run(raw, rawlen) : 1;
    consumer_dead *d = calloc(1, sizeof *d);
    if (d) {
        d->t = *t;
        d->key = strdup(qid);
        d->payload = msg_failed_encode(&f, err, sizeof err);
        if (raw) {
            d->rawlen = rawlen < CONSUMER_RAW_MAX ? rawlen : CONSUMER_RAW_MAX;
            d->raw = consumer_memdup(raw, d->rawlen);
        }
        if (key && keylen > 0) {
            d->rawkey = consumer_memdup(key, keylen);
            d->rawkeylen = keylen;
        }
    }
    if (!d || !d->key || !d->payload || (raw && !d->raw) || (key && keylen > 0 && !d->rawkey) ||
        consumer_dead_send(c, d, err, sizeof err) != 0) {
        log_error("cannot dead-letter topic=%s partition=%d offset=%lld key=%s: %s", topic, (int)t->partition,
                  (long long)t->offset, qid, d && d->payload ? err : "out of memory");
        consumer_dead_free(d);
        return -1;
    }
    log_warn("dead-letter topic=%s partition=%d offset=%lld key=%s to %s: %s", topic, (int)t->partition,
             (long long)t->offset, qid, c->o.topic_failed, clean);
    return 0;
}

int consumer_reject(consumer *c, const rd_kafka_message_t *m, const consumer_ticket *t, const char *why)
{
    char reason[400];
    const char *topic = c->o.topics[t->topic];
    snprintf(reason, sizeof reason, "malformed message on %s: %s", topic, why);
    char shown[256];
    consumer_ascii(shown, sizeof shown, why);
    log_warn("skipping undecodable message topic=%s partition=%d offset=%lld: %s", topic, (int)m->partition,
             (long long)m->offset, shown);
    return consumer_dead_letter(c, t, reason, m->payload ? m->payload : "", m->payload ? m->len : 0, m->key,
                                m->key ? m->key_len : 0);
}

/* ---------- intake and completion ---------- */

rd_kafka_message_t *consumer_poll(consumer *c, int timeout_ms, consumer_ticket *t)
{
    consumer_serve(c);
    rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, timeout_ms);
    if (!m)
        return NULL;
    if (m->err) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
            log_warn("kafka consume: %s%s%s", m->rkt ? rd_kafka_topic_name(m->rkt) : "", m->rkt ? ": " : "",
                     rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
        return NULL;
    }
    int topic = consumer_topic_index(c, rd_kafka_topic_name(m->rkt));
    if (topic < 0) { /* cannot happen: only our topics are subscribed */
        rd_kafka_message_destroy(m);
        return NULL;
    }
    if (c->paused) {
        /* fetched before the pause took effect: given back, read again after the resume */
        consumer_ticket back = {topic, m->partition, m->offset};
        consumer_give_back(c, &back);
        rd_kafka_message_destroy(m);
        return NULL;
    }
    t->topic = topic;
    t->partition = m->partition;
    t->offset = m->offset;
    prom_counter_inc(c->m_taken);
    if (offsets_track(c->offsets[topic], m->partition, m->offset) != 0)
        log_warn("offset not tracked topic=%s partition=%d offset=%lld (read again after a seek?)", c->o.topics[topic],
                 (int)m->partition, (long long)m->offset);
    consumer_gauge_update(c, topic, m->partition);
    return m;
}

void consumer_done(consumer *c, const consumer_ticket *t)
{
    int64_t commit = offsets_done(c->offsets[t->topic], t->partition, t->offset);
    consumer_gauge_update(c, t->topic, t->partition);
    if (commit <= 0)
        return; /* not yet contiguous, or the partition was revoked meanwhile */
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, c->o.topics[t->topic], t->partition)->offset = commit;
    rd_kafka_resp_err_t e = rd_kafka_offsets_store(c->rk, l);
    if (!e)
        e = l->elems[0].err;
    rd_kafka_topic_partition_list_destroy(l);
    if (e)
        log_warn("offset store topic=%s partition=%d offset=%lld: %s", c->o.topics[t->topic], (int)t->partition,
                 (long long)commit, rd_kafka_err2str(e));
    else
        prom_counter_inc(c->m_stores);
}

void consumer_give_back(consumer *c, const consumer_ticket *t)
{
    offsets_rewind(c->offsets[t->topic], t->partition, t->offset);
    consumer_gauge_update(c, t->topic, t->partition);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, c->o.topics[t->topic], t->partition)->offset = t->offset;
    rd_kafka_error_t *ke = rd_kafka_seek_partitions(c->rk, l, 5000);
    if (ke) {
        log_warn("seek back topic=%s partition=%d: %s", c->o.topics[t->topic], (int)t->partition,
                 rd_kafka_error_string(ke));
        rd_kafka_error_destroy(ke);
    } else if (l->elems[0].err) {
        log_warn("seek back topic=%s partition=%d: %s", c->o.topics[t->topic], (int)t->partition,
                 rd_kafka_err2str(l->elems[0].err));
    }
    rd_kafka_topic_partition_list_destroy(l);
}

/* ---------- pause ---------- */

void consumer_pause(consumer *c, int pause)
{
    c->user_paused = pause != 0;
    consumer_apply_pause(c);
}

/* Pauses while the service paused or sends are held, else resumes. */
static void consumer_apply_pause(consumer *c)
{
    int pause = c->user_paused || c->blocked;
    if (c->paused == pause || !c->rk)
        return;
    c->paused = pause;
    prom_gauge_set(c->m_paused, pause);
    if (pause)
        prom_counter_inc(c->m_pauses);
    rd_kafka_topic_partition_list_t *parts = NULL;
    if (rd_kafka_assignment(c->rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR || !parts)
        return;
    if (parts->cnt > 0 && pause) {
        rd_kafka_pause_partitions(c->rk, parts);
        /* the position is one past the last message handed to us: where the next read starts */
        rd_kafka_position(c->rk, parts);
        rd_kafka_topic_partition_list_t *seek = rd_kafka_topic_partition_list_new(parts->cnt);
        for (int i = 0; i < parts->cnt; i++)
            if (parts->elems[i].offset >= 0)
                rd_kafka_topic_partition_list_add(seek, parts->elems[i].topic, parts->elems[i].partition)->offset =
                    parts->elems[i].offset;
        rd_kafka_error_t *e = seek->cnt ? rd_kafka_seek_partitions(c->rk, seek, 2000) : NULL;
        if (e) {
            log_warn("pause: seek back failed: %s", rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
        }
        rd_kafka_topic_partition_list_destroy(seek);
    } else if (parts->cnt > 0) {
        rd_kafka_resume_partitions(c->rk, parts);
    }
    rd_kafka_topic_partition_list_destroy(parts);
}

int consumer_paused(const consumer *c)
{
    return c->user_paused;
}

int consumer_assigned(const consumer *c)
{
    return atomic_load(&((consumer *)c)->assigned);
}

size_t consumer_in_flight(const consumer *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->o.ntopics; i++)
        n += offsets_pending(c->offsets[i], -1);
    return n;
}

rd_kafka_t *consumer_handle(consumer *c)
{
    return c->rk;
}

rd_kafka_t *consumer_producer_handle(consumer *c)
{
    return kafka_producer_handle(c->producer);
}

/* ---------- lifecycle ---------- */

static void consumer_metrics_create(consumer *c)
{
    char n[160];
    const consumer_opts *o = &c->o;
    c->m_taken = prom_counter_create(o->prom, consumer_metric(c, "consumed_total", n, sizeof n),
                                     "Messages taken from the consumed topics", NULL);
    c->m_poison = prom_counter_create(o->prom, o->poison_metric ? o->poison_metric : consumer_metric(c, "malformed_total", n, sizeof n),
                                      "Poison messages (undecodable, or their result could not be encoded or stored) "
                                      "dead-lettered or skipped", NULL);
    c->m_stores = prom_counter_create(o->prom, consumer_metric(c, "offset_stores_total", n, sizeof n),
                                      "Offset positions stored for commit", NULL);
    c->m_assigned = prom_gauge_create(o->prom, consumer_metric(c, "assigned_partitions", n, sizeof n),
                                      "Partitions assigned", NULL);
    c->m_paused = prom_gauge_create(o->prom, consumer_metric(c, "paused", n, sizeof n),
                                    "1 while intake is paused", NULL);
    c->m_pauses = prom_counter_create(o->prom, consumer_metric(c, "pauses_total", n, sizeof n),
                                      "Times intake paused", NULL);
    const char *pp = o->produce_metric_prefix ? o->produce_metric_prefix : c->metric_prefix;
    snprintf(n, sizeof n, "%s_produce_blocked_total", pp);
    c->m_blocked = prom_counter_create(o->prom, n, "Sends held because the producer could not queue them "
                                       "(local queue full, topic unknown for now); intake pauses meanwhile", NULL);
    snprintf(n, sizeof n, "%s_produce_held", pp);
    c->m_held = prom_gauge_create(o->prom, n, "Sends held now, waiting to be queued", NULL);
}

/* Sends still held at the end: never queued, their offsets stay uncommitted. */
static void consumer_drop_held(consumer *c)
{
    size_t n = 0;
    while (c->held) {
        consumer_out *o = c->held;
        c->held = o->next;
        if (o->dead)
            consumer_dead_free(o->dead);
        else if (c->o.on_unsent)
            c->o.on_unsent(c->o.opaque, o->user);
        consumer_out_uncopy(o);
        free(o);
        n++;
    }
    if (n)
        log_warn("closing with %zu held send(s) never queued; their offsets stay uncommitted", n);
}

/* The consumer's rd_kafka_t, subscribed. NULL + err. */
static rd_kafka_t *consumer_client(consumer *c, char *err, size_t errlen)
{
    const consumer_opts *o = &c->o;
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (!conf) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (kafka_conf_set(conf, "bootstrap.servers", o->brokers ? o->brokers : "localhost:9092", err, errlen) ||
        kafka_conf_set(conf, "client.id", o->client_id ? o->client_id : "qaflow", err, errlen) ||
        kafka_conf_set(conf, "group.id", o->group, err, errlen) ||
        kafka_conf_set(conf, "enable.auto.offset.store", "false", err, errlen) ||
        kafka_conf_set(conf, "enable.auto.commit", "true", err, errlen) ||
        kafka_conf_set(conf, "auto.offset.reset", "earliest", err, errlen) ||
        kafka_conf_apply(conf, o->props, o->nprops, err, errlen)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_rebalance_cb(conf, consumer_rebalance_cb);
    kafka_conf_set_callbacks(conf);
    rd_kafka_conf_set_opaque(conf, c);
    char e[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof e);
    if (!rk) {
        snprintf(err, errlen, "kafka consumer: %s", e);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new((int)o->ntopics);
    for (size_t i = 0; i < o->ntopics; i++)
        rd_kafka_topic_partition_list_add(subs, o->topics[i], RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t se = rd_kafka_subscribe(rk, subs);
    rd_kafka_topic_partition_list_destroy(subs);
    if (se) {
        snprintf(err, errlen, "kafka subscribe: %s", rd_kafka_err2str(se));
        rd_kafka_destroy(rk);
        return NULL;
    }
    return rk;
}

consumer *consumer_create(const consumer_opts *o, char *err, size_t errlen)
{
    if (!o->group || !*o->group || o->ntopics == 0 || !o->topic_failed || !o->stage || !o->metric_prefix) {
        snprintf(err, errlen, "kafka consumer needs a group, a topic, a dead-letter topic, a stage and a metric prefix");
        return NULL;
    }
    consumer *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->o = *o;
    c->held_tail = &c->held;
    snprintf(c->metric_prefix, sizeof c->metric_prefix, "%s", o->metric_prefix);
    consumer_metrics_create(c);
    c->offsets = calloc(o->ntopics, sizeof *c->offsets);
    for (size_t i = 0; c->offsets && i < o->ntopics; i++)
        if (!(c->offsets[i] = offsets_create()))
            break;
    if (!c->offsets || !c->offsets[o->ntopics - 1]) {
        snprintf(err, errlen, "out of memory");
        consumer_destroy(c);
        return NULL;
    }
    kafka_producer_opts po = {o->brokers, o->client_id, o->props, o->nprops, consumer_delivered, c};
    if (!(c->producer = kafka_producer_create(&po, err, errlen)) || !(c->rk = consumer_client(c, err, errlen))) {
        consumer_destroy(c);
        return NULL;
    }
    return c;
}

void consumer_destroy(consumer *c)
{
    if (!c)
        return;
    /* deliver what is queued or held (releases its offsets), then commit and leave */
    if (c->producer)
        consumer_flush(c, 10000);
    if (c->rk) {
        rd_kafka_resp_err_t ce = rd_kafka_commit(c->rk, NULL, 0);
        if (ce && ce != RD_KAFKA_RESP_ERR__NO_OFFSET)
            log_warn("kafka final commit: %s", rd_kafka_err2str(ce));
        rd_kafka_consumer_close(c->rk);
        rd_kafka_destroy(c->rk);
        c->rk = NULL; /* a send held in the producer's last delivery reports pauses nothing now */
    }
    /* what is still undelivered (a broker down for 10 s) frees its envelope in the last reports */
    kafka_producer_destroy(c->producer);
    consumer_drop_held(c);
    for (size_t i = 0; c->offsets && i < c->o.ntopics; i++)
        offsets_destroy(c->offsets[i]);
    free(c->offsets);
    free(c->gauges);
    free(c);
}
