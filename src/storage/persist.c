/* persist.c -- consumer thread: decode, write in one transaction, release the offset, then fill the cache. */
#include "persist.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "consumer.h"
#include "log.h"
#include "msg.h"
#include "pg.h"
#include "store.h"

struct persist_consumer {
    pthread_t thread;
    atomic_int running;
    pg_conn *pg;
    consumer *consumer;
    cache *cache;
    prom_counter *done[3], *db_errors, *corrected, *unknown_times;
};

enum { T_VALIDATED, T_LOW_QUALITY, T_FAILED };
static const char *const topics[3] = { MSG_TOPIC_VALIDATED, MSG_TOPIC_LOW_QUALITY, MSG_TOPIC_FAILED };

/* Refreshes the cache from the database so it holds exactly what was committed. */
static void fill_cache(persist_consumer *p, const char *qid)
{
    char err[256];
    store_lookup l;
    if (store_lookup_question(p->pg, qid, &l, err, sizeof err) != 0) {
        log_warn("persist: cache refill lookup of %s: %s", qid, err);
        return;
    }
    if (l.status == STORE_COMPLETED) cache_put(p->cache, qid, l.result_json);
    store_lookup_free(&l);
}

/* Returns 1 done (release the offset), 0 poison (dead-lettered: the module releases it), -1 database
 * failure or dead letter not queued (read the message again). */
static int handle(persist_consumer *p, const consumer_ticket *ct, const rd_kafka_message_t *m)
{
    int t = ct->topic;
    char err[512];
    const char *buf = m->payload ? m->payload : "";
    int rc = 0;
    store_persist_info info = { 0 };
    char qid[160] = "";
    switch (t) {
    case T_VALIDATED: {
        msg_validated v;
        if (msg_validated_decode(buf, m->len, &v, err, sizeof err) != 0) goto poison;
        snprintf(qid, sizeof qid, "%s", v.question_id);
        rc = store_persist_validated(p->pg, &v, &info, err, sizeof err);
        if (rc == 0) log_info("persist: completed question_id=%s run=%d bert_score=%.4f attempts=%d current_run=%d "
                              "corrected=%d", qid, v.run, v.bert_score, v.processing_attempts, info.applied,
                              info.corrected);
        msg_validated_free(&v);
        if (rc == 0) fill_cache(p, qid);
        break;
    }
    case T_LOW_QUALITY: {
        msg_low_quality v;
        if (msg_low_quality_decode(buf, m->len, &v, err, sizeof err) != 0) goto poison;
        snprintf(qid, sizeof qid, "%s", v.question_id);
        rc = store_persist_low_quality(p->pg, &v, &info, err, sizeof err);
        if (rc == 0) log_info("persist: low-quality attempt question_id=%s run=%d attempt=%d bert_score=%.4f "
                              "corrected=%d", qid, v.run, v.retry_count + 1, v.bert_score, info.corrected);
        msg_low_quality_free(&v);
        if (rc == 0 && info.corrected) fill_cache(p, qid);
        break;
    }
    case T_FAILED: {
        msg_failed v;
        if (msg_failed_decode(buf, m->len, &v, err, sizeof err) != 0) goto poison;
        snprintf(qid, sizeof qid, "%s", v.question_id);
        rc = store_persist_failed(p->pg, &v, &info, err, sizeof err);
        if (rc == 0) log_info("persist: failed question_id=%s run=%d stage=%s applied=%d reason=\"%s\"", qid, v.run,
                              v.stage, info.applied, v.reason);
        msg_failed_free(&v);
        break;
    }
    }
    if (rc != 0) {
        const char *state = pg_last_sqlstate(p->pg);
        if (state[0] == '2' && (state[1] == '2' || state[1] == '3')) {
            /* data exception / integrity violation: the message itself is unacceptable (say a
             * timestamp PostgreSQL cannot store); retrying would block the partition forever */
            log_error("persist: skipping message the database rejects topic=%s partition=%d offset=%lld "
                      "question_id=%s sqlstate=%s: %s", topics[t], (int)m->partition, (long long)m->offset,
                      qid, state, err);
            char reason[160];
            snprintf(reason, sizeof reason, "rejected by the database on %s: sqlstate %.5s", topics[t], state);
            return consumer_dead_letter(p->consumer, ct, reason, m->payload, m->payload ? m->len : 0, m->key,
                                        m->key ? m->key_len : 0) == 0 ? 0 : -1;
        }
        prom_counter_inc(p->db_errors);
        log_error("persist: %s question_id=%s: %s (will retry)", topics[t], qid, err);
        return -1;
    }
    prom_counter_inc(p->done[t]);
    if (info.corrected) {
        prom_counter_inc(p->corrected);
        log_warn("persist: question_id=%s result corrected from the run's stored attempts (the job had lost "
                 "earlier attempts)", qid);
    }
    for (int i = 0; i < info.unknown_times; i++) prom_counter_inc(p->unknown_times);
    return 1;
poison:
    return consumer_reject(p->consumer, m, ct, err) == 0 ? 0 : -1;
}

static void sleep_interruptible(persist_consumer *p, int ms)
{
    for (int waited = 0; waited < ms && atomic_load(&p->running); waited += 100) {
        struct timespec ts = { 0, 100 * 1000000L };
        nanosleep(&ts, NULL);
    }
}

static void *persist_main(void *arg)
{
    persist_consumer *p = arg;
    while (atomic_load(&p->running)) {
        consumer_ticket t;
        rd_kafka_message_t *m = consumer_poll(p->consumer, 200, &t);
        if (!m) continue;
        int rc = handle(p, &t, m);
        if (rc > 0) {
            consumer_done(p->consumer, &t);
        } else if (rc < 0) {
            consumer_give_back(p->consumer, &t);
            sleep_interruptible(p, 1000);
            pg_conn_check(p->pg);
        }
        rd_kafka_message_destroy(m);
    }
    return NULL;
}

persist_consumer *persist_consumer_create(const persist_opts *o, char *err, size_t errlen)
{
    persist_consumer *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->cache = o->cache;
    atomic_init(&p->running, 1);
    static const char *const labels[3] = { "topic=\"" MSG_TOPIC_VALIDATED "\"", "topic=\"" MSG_TOPIC_LOW_QUALITY "\"",
                                           "topic=\"" MSG_TOPIC_FAILED "\"" };
    for (int i = 0; i < 3; i++)
        p->done[i] = prom_counter_create(o->prom, "qaflow_storage_persisted_total",
                                         "Messages written to PostgreSQL, by topic", labels[i]);
    p->db_errors = prom_counter_create(o->prom, "qaflow_storage_persist_errors_total",
                                       "Database errors while persisting (message retried)", NULL);
    p->corrected = prom_counter_create(o->prom, "qaflow_storage_results_corrected_total",
                                       "Run results corrected from the run's stored attempts (best, first_score)",
                                       NULL);
    p->unknown_times = prom_counter_create(o->prom, "qaflow_storage_unknown_times_total",
                                           "Stage or end-to-end durations recorded as unknown (a time was missing)",
                                           NULL);
    p->pg = pg_conn_create(o->pg_dsn, 1, 0, err, errlen);
    if (!p->pg) {
        free(p);
        return NULL;
    }
    /* A poison message on validated- or low-quality-responses goes to questions-failed (which this
     * consumer then reads like any failure); one on questions-failed itself is logged, counted and
     * skipped (docs/reliability.md). */
    consumer_opts co = { .brokers = o->brokers, .group = o->group, .client_id = "qaflow-storage",
                         .topics = topics, .ntopics = 3, .props = o->kafka_props, .nprops = o->nkafka_props,
                         .topic_failed = MSG_TOPIC_FAILED, .stage = "storage", .prom = o->prom,
                         .metric_prefix = "qaflow_storage_persist",
                         .poison_metric = "qaflow_storage_poison_messages_total" };
    p->consumer = consumer_create(&co, err, errlen);
    if (!p->consumer) {
        pg_conn_destroy(p->pg);
        free(p);
        return NULL;
    }
    if (pthread_create(&p->thread, NULL, persist_main, p) != 0) {
        snprintf(err, errlen, "cannot start the persistence thread");
        consumer_destroy(p->consumer);
        pg_conn_destroy(p->pg);
        free(p);
        return NULL;
    }
    return p;
}

void persist_consumer_destroy(persist_consumer *p)
{
    if (!p) return;
    atomic_store(&p->running, 0);
    pthread_join(p->thread, NULL);
    consumer_destroy(p->consumer);
    pg_conn_destroy(p->pg);
    free(p);
}
