/* consumer.h -- the at-least-once Kafka consumer of every C service: rebalances, out-of-order completion, pause, poison. */
#ifndef QAFLOW_CONSUMER_H
#define QAFLOW_CONSUMER_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "kafka.h"
#include "prom.h"

/* A service takes messages with consumer_poll and finishes each later, in any order (an async LLM
 * call, a delayed retry, a database write), with consumer_done once its work is durable. Offsets
 * are stored (and auto-committed every auto.commit.interval.ms, on revoke and on close) only up to
 * the first message not yet done, per partition: a crash re-delivers, never loses. What the
 * service produces goes through consumer_send (the module owns the service's producer), so a
 * message can be released when its output is acknowledged.
 *
 * Poison: a message that cannot be decoded (consumer_reject), or whose result cannot be encoded
 * (consumer_dead_letter), goes to the dead-letter topic as a questions-failed message with an
 * ASCII reason, keyed by the message's key when that is a valid question_id (else "unknown"),
 * the raw value and key in the headers CONSUMER_HEADER_RAW_VALUE / CONSUMER_HEADER_RAW_KEY
 * (docs/messages.md); its offset is released once the dead letter is acknowledged. A poison
 * message read from the dead-letter topic itself is logged, counted and released.
 *
 * Backpressure: a send (consumer_send, a dead letter, one sent again after a failed delivery) that
 * cannot be queued now (the producer's local queue is full, its topic is unknown for now) is held:
 * kept here, not lost and never dropped, tried again without waiting on every consumer_poll,
 * consumer_serve and consumer_flush (after the delivery reports), while intake is paused (the
 * partitions are paused as with consumer_pause). Intake resumes when nothing is held. What is held
 * is thus bounded by what the service had in flight when the queue filled. Counted in
 * <produce prefix>_produce_blocked_total, shown in <produce prefix>_produce_held; one WARN line when
 * holding starts, one INFO line when it ends. */

#define CONSUMER_HEADER_RAW_VALUE "qaflow-raw-value"
#define CONSUMER_HEADER_RAW_KEY "qaflow-raw-key"
/* A raw value longer than this is cut in the header (the dead letter must fit a Kafka message). */
#define CONSUMER_RAW_MAX (512 * 1024)

typedef struct consumer consumer;

/* One taken message, from consumer_poll until consumer_done (copy it freely). */
typedef struct consumer_ticket {
    int topic;          /* index into consumer_opts.topics */
    int32_t partition;
    int64_t offset;
} consumer_ticket;

typedef struct consumer_opts {
    const char *brokers;
    const char *group;
    const char *client_id;          /* NULL: "qaflow" */
    const char *const *topics;
    size_t ntopics;
    const char *const *props;       /* "key=value" librdkafka settings (-X), applied last, both clients */
    size_t nprops;
    const char *topic_failed;       /* the dead-letter topic (questions-failed) */
    const char *stage;              /* stage of its dead letters: storage | llm | retry */
    /* Metrics: <prefix>_consumed_total, <prefix>_assigned_partitions, <prefix>_offset_stores_total,
     * <prefix>_paused, <prefix>_pauses_total, <prefix>_consumer_in_flight{topic,partition} and the
     * poison counter, named poison_metric (NULL: <prefix>_malformed_total). */
    prom_registry *prom;
    const char *metric_prefix;
    const char *poison_metric;
    /* Prefix of <p>_produce_blocked_total and <p>_produce_held (NULL: metric_prefix). */
    const char *produce_metric_prefix;
    /* Deliveries of what the service sent with consumer_send (called from consumer_poll,
     * consumer_serve and consumer_flush, in the caller's thread). */
    kafka_delivery_cb on_delivery;
    void *opaque;
    /* Optional, from consumer_poll's thread: after partitions are assigned; before they are
     * given up (lost = 1 when lost, not revoked). Completions of a revoked partition's messages
     * are ignored: the new owner re-reads them from the committed offset. */
    void (*on_assign)(void *opaque, const rd_kafka_topic_partition_list_t *parts);
    void (*on_revoke)(void *opaque, const rd_kafka_topic_partition_list_t *parts, int lost);
    /* Optional: a send still held at consumer_destroy (never queued; its message's offset stays
     * uncommitted): msg_opaque is the service's to free. */
    void (*on_unsent)(void *opaque, void *msg_opaque);
} consumer_opts;

/* Subscribes (enable.auto.offset.store=false, enable.auto.commit=true, auto.offset.reset=earliest
 * unless props say otherwise) and creates the producer (kafka_producer_create). NULL + err. */
consumer *consumer_create(const consumer_opts *o, char *err, size_t errlen);
/* Delivers what was sent (up to 10 s), commits the stored offsets, leaves the group, frees. */
void consumer_destroy(consumer *c);

/* Serves delivery reports, then returns the next message (caller frees it with
 * rd_kafka_message_destroy) and its ticket, or NULL on timeout, on a broker error (logged) and
 * while paused (a message fetched before the pause is given back: sought to, read again later). */
rd_kafka_message_t *consumer_poll(consumer *c, int timeout_ms, consumer_ticket *t);
/* The message of t is handled for good: releases its offset once every earlier one is. */
void consumer_done(consumer *c, const consumer_ticket *t);
/* The message of t is to be read again (e.g. its database write failed): seeks its partition
 * back to it and forgets it and what was taken after it. */
void consumer_give_back(consumer *c, const consumer_ticket *t);

/* m (of ticket t) cannot be decoded (why: the decoder's error): dead-lettered with the reason
 * "malformed message on <topic>: <why>". Returns 0 (queued or held), or -1 when the dead letter can
 * never be queued (out of memory, a fatal producer error; the offset is then not released). */
int consumer_reject(consumer *c, const rd_kafka_message_t *m, const consumer_ticket *t, const char *why);
/* Dead-letters the message of t with reason (made ASCII, cut at 300 bytes). raw/key: the message's
 * value and key as read (raw may be NULL when the service kept none). As consumer_reject. */
int consumer_dead_letter(consumer *c, const consumer_ticket *t, const char *reason, const void *raw,
                         size_t rawlen, const char *key, size_t keylen);

/* Sends through the service's producer (topic, key and payload are copied); msg_opaque comes back
 * in on_delivery. Returns 0 when queued or held (see Backpressure), or -1 with err when it can never
 * be queued (out of memory, a fatal producer error, a message too large); on -1 on_delivery is not
 * called. A held send that turns out never to be queueable comes back in on_delivery with ok = 0. */
int consumer_send(consumer *c, const char *topic, const char *key, const char *payload, void *msg_opaque,
                  char *err, size_t errlen);
/* Serves delivery reports, then tries the held sends again, without consuming. */
void consumer_serve(consumer *c);
/* Waits up to timeout_ms for everything sent (held sends too) to be delivered. 0, or -1 on timeout. */
int consumer_flush(consumer *c, int timeout_ms);

/* Pauses (1) or resumes (0) every assigned partition, and partitions assigned later while paused.
 * Before pausing each partition is sought back to its first message not yet taken (a pause drops
 * what was prefetched), so nothing is skipped. Idempotent. */
void consumer_pause(consumer *c, int pause);
/* The service's pause (consumer_pause), whether or not held sends pause intake too. */
int consumer_paused(const consumer *c);
/* Thread-safe: sends held now (see Backpressure; intake is paused while > 0). */
size_t consumer_held(const consumer *c);

/* Thread-safe: partitions assigned now. */
int consumer_assigned(const consumer *c);
/* Messages taken and not yet done (all partitions). */
size_t consumer_in_flight(const consumer *c);
/* The librdkafka handles (e.g. to enable queue events). */
rd_kafka_t *consumer_handle(consumer *c);
rd_kafka_t *consumer_producer_handle(consumer *c);

#endif
