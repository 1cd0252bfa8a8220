/* kafka.c -- librdkafka producer with delivery reports and an at-least-once consumer. */
#include "kafka.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* ---------- shared ---------- */

int kafka_conf_apply(rd_kafka_conf_t *conf, const char *const *props, size_t n, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(props[i], '=');
        if (!eq || eq == props[i]) {
            snprintf(err, errlen, "librdkafka property '%s' is not key=value", props[i]);
            return -1;
        }
        char key[256];
        snprintf(key, sizeof key, "%.*s", (int)(eq - props[i]), props[i]);
        char e[256];
        if (rd_kafka_conf_set(conf, key, eq + 1, e, sizeof e) != RD_KAFKA_CONF_OK) {
            snprintf(err, errlen, "librdkafka property %s: %s", key, e);
            return -1;
        }
    }
    return 0;
}

static int conf_set(rd_kafka_conf_t *conf, const char *k, const char *v, char *err, size_t errlen)
{
    char e[256];
    if (rd_kafka_conf_set(conf, k, v, e, sizeof e) != RD_KAFKA_CONF_OK) {
        snprintf(err, errlen, "librdkafka property %s=%s: %s", k, v, e);
        return -1;
    }
    return 0;
}

static void kafka_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    if (level <= 3) log_error("librdkafka %s: %s", fac, buf);
    else if (level <= 5) log_warn("librdkafka %s: %s", fac, buf);
    else log_debug("librdkafka %s: %s", fac, buf);
}

static void kafka_error_cb(rd_kafka_t *rk, int errc, const char *reason, void *opaque)
{
    if (errc == RD_KAFKA_RESP_ERR__FATAL) {
        char buf[512];
        rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, buf, sizeof buf);
        log_error("kafka fatal error: %s: %s", rd_kafka_err2name(orig), buf);
    } else {
        log_warn("kafka error: %s: %s", rd_kafka_err2name(errc), reason);
    }
}

/* ---------- producer ---------- */

struct kafka_producer {
    rd_kafka_t *rk;
    kafka_delivery_cb on_delivery;
    void *cb_opaque;
};

/* The message opaque given to kafka_producer_send comes back in the delivery report. */
static void producer_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    kafka_producer *p = opaque;
    int ok = m->err == RD_KAFKA_RESP_ERR_NO_ERROR;
    if (p->on_delivery)
        p->on_delivery(p->cb_opaque, m->_private, ok, ok ? NULL : rd_kafka_err2str(m->err), m->partition, m->offset);
}

/* The partitioner in effect after the caller's props (read back: catches topic.partitioner too). */
static int partitioner_check(const rd_kafka_conf_t *conf, char *err, size_t errlen)
{
    char v[64] = "";
    size_t n = sizeof v;
    if (rd_kafka_conf_get(conf, "partitioner", v, &n) != RD_KAFKA_CONF_OK || strcmp(v, KAFKA_PARTITIONER) != 0) {
        snprintf(err, errlen, "librdkafka property partitioner=%s: qaflow producers always use %s "
                 "(Java-compatible, one partition per question_id; docs/messages.md)", v, KAFKA_PARTITIONER);
        return -1;
    }
    return 0;
}

kafka_producer *kafka_producer_create(const kafka_producer_opts *o, char *err, size_t errlen)
{
    kafka_producer *p = calloc(1, sizeof *p);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (!p || !conf) {
        snprintf(err, errlen, "out of memory");
        free(p);
        if (conf) rd_kafka_conf_destroy(conf);
        return NULL;
    }
    p->on_delivery = o->on_delivery;
    p->cb_opaque = o->cb_opaque;
    if (conf_set(conf, "bootstrap.servers", o->brokers ? o->brokers : "localhost:9092", err, errlen) ||
        conf_set(conf, "client.id", o->client_id ? o->client_id : "qaflow", err, errlen) ||
        conf_set(conf, "enable.idempotence", "true", err, errlen) ||
        conf_set(conf, "acks", "all", err, errlen) ||
        conf_set(conf, "linger.ms", "5", err, errlen) ||
        conf_set(conf, "partitioner", KAFKA_PARTITIONER, err, errlen) ||
        kafka_conf_apply(conf, o->props, o->nprops, err, errlen) ||
        partitioner_check(conf, err, errlen)) {
        rd_kafka_conf_destroy(conf);
        free(p);
        return NULL;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, producer_dr_cb);
    rd_kafka_conf_set_log_cb(conf, kafka_log_cb);
    rd_kafka_conf_set_error_cb(conf, kafka_error_cb);
    rd_kafka_conf_set_opaque(conf, p);
    char e[512];
    /* rd_kafka_new takes ownership of conf only on success */
    p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof e);
    if (!p->rk) {
        snprintf(err, errlen, "kafka producer: %s", e);
        rd_kafka_conf_destroy(conf);
        free(p);
        return NULL;
    }
    return p;
}

void kafka_producer_destroy(kafka_producer *p)
{
    if (!p) return;
    rd_kafka_flush(p->rk, 10000);
    int left = rd_kafka_outq_len(p->rk);
    if (left > 0) log_warn("kafka producer closing with %d undelivered messages/events", left);
    rd_kafka_destroy(p->rk);
    free(p);
}

int kafka_producer_send(kafka_producer *p, const char *topic, const char *key,
                        const void *payload, size_t len, void *msg_opaque, char *err, size_t errlen)
{
    for (int tries = 0;; tries++) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            p->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(key, key ? strlen(key) : 0), RD_KAFKA_V_VALUE((void *)payload, len),
            RD_KAFKA_V_OPAQUE(msg_opaque), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
        if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL && tries < 10) {
            rd_kafka_poll(p->rk, 100);
            continue;
        }
        snprintf(err, errlen, "produce to %s: %s", topic, rd_kafka_err2str(e));
        return -1;
    }
}

int kafka_producer_poll(kafka_producer *p, int timeout_ms) { return rd_kafka_poll(p->rk, timeout_ms); }

int kafka_producer_flush(kafka_producer *p, int timeout_ms)
{
    return rd_kafka_flush(p->rk, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
}

rd_kafka_t *kafka_producer_handle(kafka_producer *p) { return p->rk; }

/* ---------- consumer ---------- */

struct kafka_consumer {
    rd_kafka_t *rk;
    void (*on_assign)(void *opaque, const rd_kafka_topic_partition_list_t *parts);
    void (*on_revoke)(void *opaque, const rd_kafka_topic_partition_list_t *parts, int lost);
    void *opaque;
};

static void log_parts(const char *what, const rd_kafka_topic_partition_list_t *parts)
{
    char buf[512];
    size_t w = 0;
    buf[0] = '\0';
    for (int i = 0; i < parts->cnt && w < sizeof buf - 40; i++)
        w += (size_t)snprintf(buf + w, sizeof buf - w, "%s%s[%d]", i ? "," : "",
                              parts->elems[i].topic, parts->elems[i].partition);
    log_info("kafka %s partitions=%d %s", what, parts->cnt, buf);
}

static void consumer_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t e,
                                  rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    kafka_consumer *c = opaque;
    int cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    rd_kafka_error_t *kerr = NULL;
    rd_kafka_resp_err_t ret = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        log_parts(cooperative ? "incremental assign" : "assign", parts);
        if (cooperative) kerr = rd_kafka_incremental_assign(rk, parts);
        else ret = rd_kafka_assign(rk, parts);
        if (c->on_assign) c->on_assign(c->opaque, parts);
    } else if (e == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        int lost = rd_kafka_assignment_lost(rk);
        log_parts(lost ? "lost" : (cooperative ? "incremental revoke" : "revoke"), parts);
        if (c->on_revoke) c->on_revoke(c->opaque, parts, lost);
        /* a pause survives in librdkafka: resume what we give up */
        rd_kafka_resume_partitions(rk, parts);
        if (!lost) {
            rd_kafka_resp_err_t ce = rd_kafka_commit(rk, NULL, 0);
            if (ce && ce != RD_KAFKA_RESP_ERR__NO_OFFSET)
                log_warn("kafka commit on revoke: %s", rd_kafka_err2str(ce));
        }
        if (cooperative) kerr = rd_kafka_incremental_unassign(rk, parts);
        else ret = rd_kafka_assign(rk, NULL);
    } else {
        log_error("kafka rebalance error: %s", rd_kafka_err2str(e));
        ret = rd_kafka_assign(rk, NULL);
    }
    if (kerr) {
        log_error("kafka rebalance: %s", rd_kafka_error_string(kerr));
        rd_kafka_error_destroy(kerr);
    } else if (ret) {
        log_error("kafka rebalance: %s", rd_kafka_err2str(ret));
    }
}

kafka_consumer *kafka_consumer_create(const kafka_consumer_opts *o, char *err, size_t errlen)
{
    if (!o->group || !*o->group || o->ntopics == 0) {
        snprintf(err, errlen, "kafka consumer needs a group and at least one topic");
        return NULL;
    }
    kafka_consumer *c = calloc(1, sizeof *c);
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (!c || !conf) {
        snprintf(err, errlen, "out of memory");
        free(c);
        if (conf) rd_kafka_conf_destroy(conf);
        return NULL;
    }
    c->on_assign = o->on_assign;
    c->on_revoke = o->on_revoke;
    c->opaque = o->opaque;
    if (conf_set(conf, "bootstrap.servers", o->brokers ? o->brokers : "localhost:9092", err, errlen) ||
        conf_set(conf, "client.id", o->client_id ? o->client_id : "qaflow", err, errlen) ||
        conf_set(conf, "group.id", o->group, err, errlen) ||
        conf_set(conf, "enable.auto.offset.store", "false", err, errlen) ||
        conf_set(conf, "enable.auto.commit", "true", err, errlen) ||
        conf_set(conf, "auto.offset.reset", "earliest", err, errlen) ||
        kafka_conf_apply(conf, o->props, o->nprops, err, errlen)) {
        rd_kafka_conf_destroy(conf);
        free(c);
        return NULL;
    }
    rd_kafka_conf_set_rebalance_cb(conf, consumer_rebalance_cb);
    rd_kafka_conf_set_log_cb(conf, kafka_log_cb);
    rd_kafka_conf_set_error_cb(conf, kafka_error_cb);
    rd_kafka_conf_set_opaque(conf, c);
    char e[512];
    c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof e);
    if (!c->rk) {
        snprintf(err, errlen, "kafka consumer: %s", e);
        rd_kafka_conf_destroy(conf);
        free(c);
        return NULL;
    }
    rd_kafka_poll_set_consumer(c->rk);
    rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new((int)o->ntopics);
    for (size_t i = 0; i < o->ntopics; i++)
        rd_kafka_topic_partition_list_add(subs, o->topics[i], RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t se = rd_kafka_subscribe(c->rk, subs);
    rd_kafka_topic_partition_list_destroy(subs);
    if (se) {
        snprintf(err, errlen, "kafka subscribe: %s", rd_kafka_err2str(se));
        rd_kafka_destroy(c->rk);
        free(c);
        return NULL;
    }
    return c;
}

void kafka_consumer_destroy(kafka_consumer *c)
{
    if (!c) return;
    rd_kafka_resp_err_t ce = rd_kafka_commit(c->rk, NULL, 0);
    if (ce && ce != RD_KAFKA_RESP_ERR__NO_OFFSET)
        log_warn("kafka final commit: %s", rd_kafka_err2str(ce));
    rd_kafka_consumer_close(c->rk);
    rd_kafka_destroy(c->rk);
    free(c);
}

rd_kafka_message_t *kafka_consumer_poll(kafka_consumer *c, int timeout_ms)
{
    rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, timeout_ms);
    if (!m) return NULL;
    if (m->err) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
            log_warn("kafka consume: %s%s%s", m->rkt ? rd_kafka_topic_name(m->rkt) : "",
                     m->rkt ? ": " : "", rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
        return NULL;
    }
    return m;
}

int kafka_consumer_store(kafka_consumer *c, const rd_kafka_message_t *m, char *err, size_t errlen)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, rd_kafka_topic_name(m->rkt), m->partition)->offset = m->offset + 1;
    rd_kafka_resp_err_t e = rd_kafka_offsets_store(c->rk, l);
    if (!e && l->elems[0].err) e = l->elems[0].err;
    rd_kafka_topic_partition_list_destroy(l);
    if (e) {
        snprintf(err, errlen, "store offset: %s", rd_kafka_err2str(e));
        return -1;
    }
    return 0;
}

int kafka_consumer_seek_back(kafka_consumer *c, const rd_kafka_message_t *m, char *err, size_t errlen)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, rd_kafka_topic_name(m->rkt), m->partition)->offset = m->offset;
    rd_kafka_error_t *ke = rd_kafka_seek_partitions(c->rk, l, 5000);
    int rc = 0;
    if (ke) {
        snprintf(err, errlen, "seek: %s", rd_kafka_error_string(ke));
        rd_kafka_error_destroy(ke);
        rc = -1;
    } else if (l->elems[0].err) {
        snprintf(err, errlen, "seek: %s", rd_kafka_err2str(l->elems[0].err));
        rc = -1;
    }
    rd_kafka_topic_partition_list_destroy(l);
    return rc;
}

rd_kafka_t *kafka_consumer_handle(kafka_consumer *c) { return c->rk; }
