/* kafka.h -- librdkafka producer (idempotent, acks=all, delivery reports) and at-least-once consumer. */
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
/* Serves delivery reports; returns how many events were served. */
int kafka_producer_poll(kafka_producer *p, int timeout_ms);
/* Waits until everything queued is delivered or failed. Returns 0, or -1 on timeout. */
int kafka_producer_flush(kafka_producer *p, int timeout_ms);
rd_kafka_t *kafka_producer_handle(kafka_producer *p);

/* ---------- consumer ---------- */

typedef struct kafka_consumer_opts {
    const char *brokers;
    const char *group;              /* group.id */
    const char *client_id;          /* NULL: "qaflow" */
    const char *const *topics;
    size_t ntopics;
    const char *const *props;       /* "key=value" librdkafka settings (-X), applied last */
    size_t nprops;
    /* Optional rebalance hooks, called from kafka_consumer_poll's thread. on_revoke runs
     * before the partitions are given up (lost = 1 when they were lost, not revoked). */
    void (*on_assign)(void *opaque, const rd_kafka_topic_partition_list_t *parts);
    void (*on_revoke)(void *opaque, const rd_kafka_topic_partition_list_t *parts, int lost);
    void *opaque;
} kafka_consumer_opts;

typedef struct kafka_consumer kafka_consumer;

/* Defaults: enable.auto.offset.store=false (offsets stored only by kafka_consumer_store),
 * enable.auto.commit=true (stored offsets committed every auto.commit.interval.ms and on
 * close), auto.offset.reset=earliest. Subscribes to the topics. The rebalance callback
 * handles eager and cooperative protocols and lost assignments; on revoke it resumes
 * revoked partitions and commits stored offsets before giving them up. */
kafka_consumer *kafka_consumer_create(const kafka_consumer_opts *o, char *err, size_t errlen);
/* Commits stored offsets, closes (leaves the group), destroys. NULL-safe. */
void kafka_consumer_destroy(kafka_consumer *c);

/* Returns the next message (caller frees with rd_kafka_message_destroy) or NULL on timeout.
 * Broker/partition errors are logged and NULL returned (partition EOF is silent). */
rd_kafka_message_t *kafka_consumer_poll(kafka_consumer *c, int timeout_ms);
/* Marks m as done: its offset+1 will be committed. Call only after the work is durable. */
int kafka_consumer_store(kafka_consumer *c, const rd_kafka_message_t *m, char *err, size_t errlen);
/* Rewinds the partition of m to m's offset (to consume it again, e.g. after a failed DB write). */
int kafka_consumer_seek_back(kafka_consumer *c, const rd_kafka_message_t *m, char *err, size_t errlen);
rd_kafka_t *kafka_consumer_handle(kafka_consumer *c);

/* Applies "key=value" strings to a conf; err names the offending property. */
int kafka_conf_apply(rd_kafka_conf_t *conf, const char *const *props, size_t n, char *err, size_t errlen);

#endif
