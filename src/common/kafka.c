/* kafka.c -- librdkafka producer with delivery reports, and the settings every qaflow client shares. */
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

int kafka_conf_set(rd_kafka_conf_t *conf, const char *k, const char *v, char *err, size_t errlen)
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

void kafka_conf_set_callbacks(rd_kafka_conf_t *conf)
{
    rd_kafka_conf_set_log_cb(conf, kafka_log_cb);
    rd_kafka_conf_set_error_cb(conf, kafka_error_cb);
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
    if (kafka_conf_set(conf, "bootstrap.servers", o->brokers ? o->brokers : "localhost:9092", err, errlen) ||
        kafka_conf_set(conf, "client.id", o->client_id ? o->client_id : "qaflow", err, errlen) ||
        kafka_conf_set(conf, "enable.idempotence", "true", err, errlen) ||
        kafka_conf_set(conf, "acks", "all", err, errlen) ||
        kafka_conf_set(conf, "linger.ms", "5", err, errlen) ||
        kafka_conf_set(conf, "partitioner", KAFKA_PARTITIONER, err, errlen) ||
        kafka_conf_apply(conf, o->props, o->nprops, err, errlen) ||
        partitioner_check(conf, err, errlen)) {
        rd_kafka_conf_destroy(conf);
        free(p);
        return NULL;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, producer_dr_cb);
    kafka_conf_set_callbacks(conf);
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
    return kafka_producer_send_headers(p, topic, key, payload, len, NULL, 0, msg_opaque, err, errlen);
}

int kafka_producer_offer(kafka_producer *p, const char *topic, const char *key, const void *payload,
                         size_t len, const kafka_header *h, size_t nh, void *msg_opaque, char *err,
                         size_t errlen)
{
    rd_kafka_headers_t *hdrs = nh ? rd_kafka_headers_new(nh) : NULL;
    for (size_t i = 0; i < nh; i++)
        rd_kafka_header_add(hdrs, h[i].name, -1, h[i].value, (ssize_t)h[i].len);
    rd_kafka_resp_err_t e = rd_kafka_producev(
        p->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(key, key ? strlen(key) : 0), RD_KAFKA_V_VALUE((void *)payload, len),
        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(msg_opaque), RD_KAFKA_V_END);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
        return 0; /* the message owns hdrs now */
    if (hdrs)
        rd_kafka_headers_destroy(hdrs);
    snprintf(err, errlen, "produce to %s: %s", topic, rd_kafka_err2str(e));
    switch (e) {
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
        return KAFKA_FULL;
    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__CONFLICT:
        return -1;
    default: /* unknown topic or partition (deleted, not yet created), a transaction state: later */
        return KAFKA_AGAIN;
    }
}

int kafka_producer_send_headers(kafka_producer *p, const char *topic, const char *key,
                                const void *payload, size_t len, const kafka_header *h, size_t nh,
                                void *msg_opaque, char *err, size_t errlen)
{
    for (int tries = 0;; tries++) {
        int rc = kafka_producer_offer(p, topic, key, payload, len, h, nh, msg_opaque, err, errlen);
        if (rc == 0)
            return 0;
        if (rc == KAFKA_FULL && tries < 10) {
            rd_kafka_poll(p->rk, 100);
            continue;
        }
        return -1;
    }
}

int kafka_producer_poll(kafka_producer *p, int timeout_ms) { return rd_kafka_poll(p->rk, timeout_ms); }

int kafka_producer_flush(kafka_producer *p, int timeout_ms)
{
    return rd_kafka_flush(p->rk, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
}

rd_kafka_t *kafka_producer_handle(kafka_producer *p) { return p->rk; }
