/* consumer_test.c -- the at-least-once consumer against the test stack's Kafka broker: contiguous commits, poison, pause, give-back, held sends. */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "consumer.h"
#include "log.h"
#include "prom.h"
#include "timeutil.h"

/* This run's own topics and groups (names made unique per run), on the broker QAFLOW_TEST_KAFKA. */
static char topic_in[96], topic_failed[96], topic_late[96], group_in[96], group_failed[96];
static const char *TOPIC_IN = topic_in;
static const char *TOPIC_FAILED = topic_failed;

/* Creates topics names[0..n) (1 partition each) and waits for the broker's answer (at most 30 s). */
static int create_topics(rd_kafka_t *rk, const char *const *names, size_t n)
{
    char err[256];
    rd_kafka_NewTopic_t *nt[3];
    for (size_t i = 0; i < n; i++)
        nt[i] = rd_kafka_NewTopic_new(names[i], 1, 1, err, sizeof err);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, nt, n, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
    int rc = -1;
    if (ev && rd_kafka_event_error(ev) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        size_t n = 0;
        const rd_kafka_topic_result_t **r = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
        rc = 0;
        for (size_t i = 0; i < n; i++)
            if (rd_kafka_topic_result_error(r[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
                fprintf(stderr, "create %s: %s\n", rd_kafka_topic_result_name(r[i]), rd_kafka_topic_result_error_string(r[i]));
                rc = -1;
            }
    } else {
        fprintf(stderr, "create topics: %s\n", ev ? rd_kafka_event_error_string(ev) : "no answer in 30 s");
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy_array(nt, n);
    return rc;
}

/* Deletes this run's topics (best effort, bounded). */
static void delete_topics(rd_kafka_t *rk)
{
    rd_kafka_DeleteTopic_t *dt[3] = {rd_kafka_DeleteTopic_new(topic_in), rd_kafka_DeleteTopic_new(topic_failed),
                                     rd_kafka_DeleteTopic_new(topic_late)};
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_DeleteTopics(rk, dt, 3, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 10000);
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_DeleteTopic_destroy_array(dt, 3);
}

/* Produces one message and waits for its delivery. */
static void produce(rd_kafka_t *p, const char *topic, const char *key, size_t keylen, const char *value)
{
    rd_kafka_producev(p, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                      RD_KAFKA_V_KEY(key, keylen), RD_KAFKA_V_VALUE((void *)value, strlen(value)), RD_KAFKA_V_END);
    rd_kafka_flush(p, 10000);
}

/* Polls (at most 30 s) until a message comes; NULL when none did. */
static rd_kafka_message_t *take(consumer *c, consumer_ticket *t)
{
    int64_t end = timeutil_mono_ms() + 30000;
    while (timeutil_mono_ms() < end) {
        rd_kafka_message_t *m = consumer_poll(c, 100, t);
        if (m)
            return m;
    }
    return NULL;
}

/* Polls for ms milliseconds; returns how many messages came (each destroyed). */
static int taken_within(consumer *c, int ms)
{
    consumer_ticket t;
    int got = 0;
    int64_t end = timeutil_mono_ms() + ms;
    while (timeutil_mono_ms() < end) {
        rd_kafka_message_t *m = consumer_poll(c, 100, &t);
        if (m) {
            got++;
            rd_kafka_message_destroy(m);
        }
    }
    return got;
}

/* The committed offset of TOPIC_IN[0] after a synchronous commit of what is stored. */
static int64_t committed(consumer *c)
{
    rd_kafka_commit(consumer_handle(c), NULL, 0);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, TOPIC_IN, 0);
    int64_t off = -2;
    if (rd_kafka_committed(consumer_handle(c), l, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR)
        off = l->elems[0].offset;
    rd_kafka_topic_partition_list_destroy(l);
    return off;
}

static int header_is(rd_kafka_message_t *m, const char *name, const char *want, size_t wantlen)
{
    rd_kafka_headers_t *h = NULL;
    const void *v = NULL;
    size_t n = 0;
    return rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR &&
           rd_kafka_header_get_last(h, name, &v, &n) == RD_KAFKA_RESP_ERR_NO_ERROR && n == wantlen &&
           memcmp(v, want, n) == 0;
}

/* Deliveries of consumer_send: how many, how many ok. */
static int delivered, delivered_ok;
static void on_delivery(void *opaque, void *msg_opaque, int ok, const char *errstr, int32_t partition, int64_t offset)
{
    delivered++;
    delivered_ok += ok;
}

/* A consumer of topic; props_extra: one more librdkafka setting (NULL: none). */
static consumer *make(const char *brokers, const char *group, const char *const *topic, prom_registry *prom,
                      const char *prefix, const char *props_extra)
{
    const char *const props[] = {"session.timeout.ms=6000", "heartbeat.interval.ms=500",
                                 "topic.metadata.refresh.interval.ms=1000", props_extra};
    consumer_opts o = {.brokers = brokers, .group = group, .topics = topic, .ntopics = 1, .props = props,
                       .nprops = props_extra ? 4 : 3, .topic_failed = TOPIC_FAILED, .stage = "llm", .prom = prom,
                       .metric_prefix = prefix, .on_delivery = on_delivery};
    char err[256] = "";
    consumer *c = consumer_create(&o, err, sizeof err);
    CHECK_MSG(c != NULL, "%s", err);
    return c;
}

int main(void)
{
    log_init("test", getenv("TEST_LOG") ? getenv("TEST_LOG") : "error", NULL, 0);
    char err[256];
    const char *brokers = getenv("QAFLOW_TEST_KAFKA");
    if (!brokers || !*brokers) {
        fprintf(stderr, "QAFLOW_TEST_KAFKA is not set: run under ./qaflow test, or eval \"$(./qaflow test-stack env)\" first\n");
        return 1;
    }
    unsigned long tag = (unsigned long)time(NULL) * 100000UL + (unsigned long)getpid() % 100000UL;
    snprintf(topic_in, sizeof topic_in, "consumer-test-%lu-in", tag);
    snprintf(topic_failed, sizeof topic_failed, "consumer-test-%lu-failed", tag);
    snprintf(topic_late, sizeof topic_late, "consumer-test-%lu-late", tag);
    snprintf(group_in, sizeof group_in, "consumer-test-%lu-g", tag);
    snprintf(group_failed, sizeof group_failed, "consumer-test-%lu-g2", tag);
    rd_kafka_conf_t *pc = rd_kafka_conf_new();
    rd_kafka_conf_set(pc, "bootstrap.servers", brokers, NULL, 0);
    rd_kafka_t *prod = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof err);
    const char *const first[] = {topic_in, topic_failed};
    if (!prod || create_topics(prod, first, 2) != 0) {
        fprintf(stderr, "cannot create this test's topics on %s\n", brokers);
        return 1;
    }
    for (int i = 0; i < 5; i++) {
        char k[8];
        snprintf(k, sizeof k, "q%d", i);
        produce(prod, TOPIC_IN, k, strlen(k), "{}");
    }

    prom_registry *prom = prom_registry_create();
    consumer *c = make(brokers, group_in, &TOPIC_IN, prom, "t", NULL);
    CHECK(consumer_create(&(consumer_opts){.group = "g"}, err, sizeof err) == NULL); /* no topic */

    /* out-of-order completion: only the contiguous prefix is committed */
    consumer_ticket t[8];
    for (int i = 0; i < 5; i++) {
        rd_kafka_message_t *m = take(c, &t[i]);
        CHECK(m != NULL);
        if (!m)
            return CHECK_DONE();
        CHECK_INT(t[i].offset, i);
        CHECK_INT(t[i].topic, 0);
        rd_kafka_message_destroy(m);
    }
    CHECK_INT(consumer_assigned(c), 1);
    CHECK_INT(consumer_in_flight(c), 5);
    consumer_done(c, &t[2]);
    consumer_done(c, &t[1]);
    CHECK(committed(c) < 0); /* offset 0 is not done: nothing committed */
    consumer_done(c, &t[0]);
    CHECK_INT(committed(c), 3);
    consumer_done(c, &t[4]);
    CHECK_INT(committed(c), 3);
    consumer_done(c, &t[3]);
    CHECK_INT(committed(c), 5);
    consumer_done(c, &t[3]); /* twice: ignored */
    CHECK_INT(consumer_in_flight(c), 0);

    /* poison: dead letter with an ASCII reason, keyed unknown (invalid key), raw value and key in
     * headers; the offset is released once the dead letter is delivered */
    produce(prod, TOPIC_IN, "\xff", 1, "bad \xe2\x82");
    rd_kafka_message_t *m = take(c, &t[5]);
    CHECK(m != NULL);
    CHECK_INT(consumer_reject(c, m, &t[5], "why \xc3\xa9"), 0);
    rd_kafka_message_destroy(m);
    CHECK_INT(committed(c), 5); /* not before its delivery */
    CHECK_INT(consumer_flush(c, 10000), 0);
    CHECK_INT(committed(c), 6);
    /* a valid key keys the dead letter; the service's reason is made ASCII */
    produce(prod, TOPIC_IN, "q_ok", 4, "{\"run\": 3}");
    m = take(c, &t[6]);
    CHECK(m != NULL);
    CHECK_INT(consumer_dead_letter(c, &t[6], "result \xe2\x82\xac", m->payload, m->len, m->key, m->key_len), 0);
    rd_kafka_message_destroy(m);
    CHECK_INT(consumer_flush(c, 10000), 0);
    CHECK_INT(committed(c), 7);
    /* pause: nothing is taken while paused, nothing skipped after the resume */
    consumer_pause(c, 1);
    CHECK_INT(consumer_paused(c), 1);
    produce(prod, TOPIC_IN, "q7", 2, "{}");
    CHECK_INT(taken_within(c, 2000), 0);
    consumer_pause(c, 0);
    m = take(c, &t[7]);
    CHECK(m != NULL && t[7].offset == 7);
    if (m)
        rd_kafka_message_destroy(m);

    /* give back: the same message is read again */
    consumer_give_back(c, &t[7]);
    CHECK_INT(consumer_in_flight(c), 0);
    m = take(c, &t[7]);
    CHECK(m != NULL && t[7].offset == 7);
    if (m)
        rd_kafka_message_destroy(m);
    consumer_done(c, &t[7]);
    CHECK_INT(committed(c), 8);

    char *text = prom_registry_render(prom);
    CHECK(text && strstr(text, "t_consumed_total 9\n"));
    CHECK(text && strstr(text, "t_malformed_total 2\n"));
    CHECK(text && strstr(text, "t_pauses_total 1\n"));
    CHECK(text && strstr(text, "t_paused 0\n"));
    CHECK(text && strstr(text, "t_assigned_partitions 1\n"));
    char line[192];
    snprintf(line, sizeof line, "t_consumer_in_flight{topic=\"%s\",partition=\"0\"} 0\n", topic_in);
    CHECK(text && strstr(text, line));
    free(text);
    consumer_destroy(c);

    /* the dead letters, read by a consumer of the dead-letter topic; a poison message there is
     * counted and released, not sent again */
    prom_registry *prom2 = prom_registry_create();
    consumer *f = make(brokers, group_failed, &TOPIC_FAILED, prom2, "f", NULL);
    consumer_ticket ft;
    rd_kafka_message_t *dl = take(f, &ft);
    CHECK(dl != NULL);
    if (dl) {
        char v[512];
        snprintf(v, sizeof v, "%.*s", (int)dl->len, (const char *)dl->payload);
        CHECK(strstr(v, "\"question_id\":\"unknown\"") != NULL);
        char want[192];
        snprintf(want, sizeof want, "\"reason\":\"malformed message on %s: why ??\"", topic_in);
        CHECK(strstr(v, want) != NULL);
        CHECK(strstr(v, "\"stage\":\"llm\"") != NULL);
        CHECK_INT(dl->key_len, 7);
        CHECK(header_is(dl, CONSUMER_HEADER_RAW_VALUE, "bad \xe2\x82", 6));
        CHECK(header_is(dl, CONSUMER_HEADER_RAW_KEY, "\xff", 1));
        consumer_done(f, &ft);
        rd_kafka_message_destroy(dl);
    }
    dl = take(f, &ft);
    CHECK(dl != NULL);
    if (dl) {
        char v[512];
        snprintf(v, sizeof v, "%.*s", (int)dl->len, (const char *)dl->payload);
        CHECK(strstr(v, "\"question_id\":\"q_ok\"") != NULL);
        CHECK(strstr(v, "\"reason\":\"result ???\"") != NULL);
        CHECK(strstr(v, "\"run\":3") != NULL);
        CHECK(dl->key_len == 4 && memcmp(dl->key, "q_ok", 4) == 0);
        CHECK(header_is(dl, CONSUMER_HEADER_RAW_VALUE, "{\"run\": 3}", 10));
        CHECK_INT(consumer_reject(f, dl, &ft, "bad"), 0);
        rd_kafka_message_destroy(dl);
    }
    CHECK_INT(consumer_flush(f, 10000), 0);
    CHECK_INT(consumer_in_flight(f), 0);
    CHECK_INT(taken_within(f, 2000), 0); /* nothing was sent to the dead-letter topic for it */
    text = prom_registry_render(prom2);
    CHECK(text && strstr(text, "f_malformed_total 1\n"));
    CHECK(text && strstr(text, "f_offset_stores_total 2\n"));
    free(text);
    consumer_destroy(f);

    /* held sends: a producer queue of one message and a topic that does not exist yet. The first
     * send waits in the queue, the next two are held and pause intake (whatever the service's own
     * pause does meanwhile); once the topic exists all three are delivered and intake resumes. */
    prom_registry *prom3 = prom_registry_create();
    consumer *h = make(brokers, group_in, &TOPIC_IN, prom3, "h", "queue.buffering.max.messages=1");
    int64_t assigned_by = timeutil_mono_ms() + 30000;
    while (consumer_assigned(h) == 0 && timeutil_mono_ms() < assigned_by) {
        rd_kafka_message_t *x = consumer_poll(h, 100, &ft);
        if (x)
            rd_kafka_message_destroy(x); /* nothing is there yet */
    }
    CHECK_INT(consumer_assigned(h), 1);
    for (int i = 0; i < 3; i++)
        CHECK_INT(consumer_send(h, topic_late, "q_late", "{}", NULL, err, sizeof err), 0);
    CHECK_INT(consumer_held(h), 2);
    CHECK_INT(consumer_paused(h), 0); /* the service did not pause */
    consumer_pause(h, 1);
    consumer_pause(h, 0); /* the service resumes: the held sends still pause intake */
    produce(prod, TOPIC_IN, "q8", 2, "{}");
    CHECK_INT(taken_within(h, 2000), 0);
    CHECK_INT(consumer_held(h), 2);
    text = prom_registry_render(prom3);
    CHECK(text && strstr(text, "h_produce_blocked_total 2\n"));
    CHECK(text && strstr(text, "h_produce_held 2\n"));
    CHECK(text && strstr(text, "h_paused 1\n"));
    free(text);
    const char *const late[] = {topic_late};
    CHECK_INT(create_topics(prod, late, 1), 0);
    m = take(h, &t[0]); /* the resumed intake hands over q8 */
    CHECK(m != NULL && t[0].offset == 8);
    if (m) {
        consumer_done(h, &t[0]);
        rd_kafka_message_destroy(m);
    }
    CHECK_INT(consumer_flush(h, 30000), 0);
    CHECK_INT(delivered, 3);
    CHECK_INT(delivered_ok, 3);
    CHECK_INT(consumer_held(h), 0);
    text = prom_registry_render(prom3);
    CHECK(text && strstr(text, "h_produce_held 0\n"));
    CHECK(text && strstr(text, "h_paused 0\n"));
    free(text);
    consumer_destroy(h);

    prom_registry_destroy(prom);
    prom_registry_destroy(prom2);
    prom_registry_destroy(prom3);
    delete_topics(prod);
    rd_kafka_destroy(prod);
    return CHECK_DONE();
}
