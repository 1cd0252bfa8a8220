/* kafka.h -- librdkafka producer (idempotent, acks=all, delivery reports); the consumer is consumer.h. */
#ifndef QAFLOW_KAFKA_H
#define QAFLOW_KAFKA_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

/* ---------- producer ---------- */

/* Called once per message from kafka_producer_poll/flush (in the polling thread).
 * ok = 1 when the broker acknowledged the message (acks=all), else errstr says why. */
typedef void (*kafka_delivery_cb)(void *cb_opaque, void *msg_opaque, int ok, const char *errstr,
                                  int32_t partition, int64_t offset);

typedef struct kafka_producer_opts {
    const char *brokers;            /* bootstrap.servers */
    const char *client_id;          /* NULL: "qaflow" */
    const char *const *props;       /* "key=value" librdkafka settings (-X), applied last */
    size_t nprops;
    kafka_delivery_cb on_delivery;  /* may be NULL */
    void *cb_opaque;
} kafka_producer_opts;

typedef struct kafka_producer kafka_producer;

/* The partitioner of every qaflow producer: librdkafka's Java-compatible murmur2 of the key
 * (NULL keys spread at random), so a question_id lands on the partition the Java client (the
 * Flink job's KafkaSink) picks too. docs/messages.md, Partitioning. */
#define KAFKA_PARTITIONER "murmur2_random"

/* enable.idempotence=true, acks=all, linger.ms=5 unless overridden by props;
 * partitioner=KAFKA_PARTITIONER always: props that set another partitioner (also as
 * topic.partitioner) are an error, not an override.
 * Returns NULL and fills err (bad property names/values are reported here). */
kafka_producer *kafka_producer_create(const kafka_producer_opts *o, char *err, size_t errlen);
/* Flushes (up to 10 s), logs how many messages were left undelivered, destroys. NULL-safe. */
void kafka_producer_destroy(kafka_producer *p);

/* Enqueues one message (payload and key are copied); msg_opaque comes back in on_delivery.
 * When the local queue is full it polls for up to 1 s before giving up.
 * Returns 0, or -1 with err (the delivery callback is then NOT called). */
int kafka_producer_send(kafka_producer *p, const char *topic, const char *key,
                        const void *payload, size_t len, void *msg_opaque, char *err, size_t errlen);
/* A Kafka header: value[0..len) is copied. */
typedef struct kafka_header {
    const char *name;
    const void *value;
    size_t len;
} kafka_header;
/* kafka_producer_send with headers (nh may be 0). */
int kafka_producer_send_headers(kafka_producer *p, const char *topic, const char *key,
                                const void *payload, size_t len, const kafka_header *h, size_t nh,
                                void *msg_opaque, char *err, size_t errlen);
/* One attempt to enqueue, without waiting (kafka_producer_send_headers waits while the queue is full).
 * Returns 0 when queued; KAFKA_FULL when the local queue is full (queue.buffering.max.messages or
 * .kbytes: every other message would find it full too) and KAFKA_AGAIN when the topic or partition
 * is unknown for now, both with err, to try again later; -1 with err when it never can be queued (a
 * fatal producer error, a message above message.max.bytes, a bad argument). The delivery callback
 * is called only after 0. */
#define KAFKA_FULL 1
#define KAFKA_AGAIN 2
int kafka_producer_offer(kafka_producer *p, const char *topic, const char *key, const void *payload,
                         size_t len, const kafka_header *h, size_t nh, void *msg_opaque, char *err,
                         size_t errlen);
/* Serves delivery reports; returns how many events were served. */
int kafka_producer_poll(kafka_producer *p, int timeout_ms);
/* Waits until everything queued is delivered or failed. Returns 0, or -1 on timeout. */
int kafka_producer_flush(kafka_producer *p, int timeout_ms);
rd_kafka_t *kafka_producer_handle(kafka_producer *p);

/* Applies "key=value" strings to a conf; err names the offending property. */
int kafka_conf_apply(rd_kafka_conf_t *conf, const char *const *props, size_t n, char *err, size_t errlen);
/* One setting; err names it. */
int kafka_conf_set(rd_kafka_conf_t *conf, const char *k, const char *v, char *err, size_t errlen);
/* librdkafka's log lines and errors through qaflow's log (every client sets them). */
void kafka_conf_set_callbacks(rd_kafka_conf_t *conf);

#endif
