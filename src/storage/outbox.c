/* outbox.c -- relay thread: SELECT unsent FOR UPDATE SKIP LOCKED, produce, await acks, mark sent. */
#include "outbox.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kafka.h"
#include "log.h"
#include "msg.h"
#include "pg.h"
#include "timeutil.h"

struct outbox_relay {
    outbox_opts o;
    char *dsn, *brokers;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int notified;
    atomic_int running;
    atomic_int last_brokers;   /* the last metadata answer of outbox_relay_kafka_brokers (-1: none) */
    pg_conn *pg;
    pthread_mutex_t prod_lock;       /* guards swapping the producer against health checks */
    kafka_producer *producer;
    prom_counter *sent, *failed, *rounds;
    prom_histogram *round_seconds;
};

/* One row of a round and its delivery result. */
typedef struct outbox_item {
    char *id;
    int done;
    int ok;
    char err[128];
} outbox_item;

static void on_delivery(void *cb_opaque, void *msg_opaque, int ok, const char *errstr,
                        int32_t partition, int64_t offset)
{
    outbox_item *it = msg_opaque;
    it->done = 1;
    it->ok = ok;
    if (!ok) snprintf(it->err, sizeof it->err, "%s", errstr ? errstr : "delivery failed");
}

static int producer_open(outbox_relay *r, char *err, size_t errlen)
{
    char timeout[32];
    snprintf(timeout, sizeof timeout, "message.timeout.ms=%d", r->o.delivery_timeout_ms);
    size_t n = r->o.nkafka_props;
    const char **props = calloc(n + 1, sizeof *props);
    if (!props) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    props[0] = timeout; /* user -X settings come after and win */
    for (size_t i = 0; i < n; i++) props[i + 1] = r->o.kafka_props[i];
    kafka_producer_opts po = { .brokers = r->brokers, .client_id = "qaflow-storage-outbox",
                               .props = props, .nprops = n + 1, .on_delivery = on_delivery };
    r->producer = kafka_producer_create(&po, err, errlen);
    free(props);
    return r->producer ? 0 : -1;
}

/* Builds "{1,2,3}" for the ids whose delivery result equals want_ok. */
static char *id_array(outbox_item *items, int n, int want_ok, int *count)
{
    size_t cap = 2 + (size_t)n * 21, w = 0;
    char *s = malloc(cap);
    if (!s) return NULL;
    s[w++] = '{';
    *count = 0;
    for (int i = 0; i < n; i++) {
        if (!items[i].done || items[i].ok != want_ok) continue;
        w += (size_t)snprintf(s + w, cap - w, "%s%s", *count ? "," : "", items[i].id);
        (*count)++;
    }
    snprintf(s + w, cap - w, "}");
    return s;
}

/* One round; returns rows sent, or -1 when something failed (the caller backs off). */
static int relay_round(outbox_relay *r)
{
    char err[512];
    char lim[16];
    snprintf(lim, sizeof lim, "%d", r->o.batch);
    if (pg_begin(r->pg, err, sizeof err) != 0) {
        log_warn("outbox: %s", err);
        return -1;
    }
    const char *params[1] = { lim };
    PGresult *res = pg_exec(r->pg,
                            "SELECT id, question_id, topic, payload FROM outbox WHERE sent_at IS NULL "
                            "ORDER BY id LIMIT $1::int FOR UPDATE SKIP LOCKED",
                            1, params, err, sizeof err);
    if (!res) {
        log_warn("outbox: %s", err);
        pg_rollback(r->pg);
        return -1;
    }
    int n = PQntuples(res);
    if (n == 0) {
        PQclear(res);
        pg_commit(r->pg, err, sizeof err);
        return 0;
    }
    int64_t t0 = timeutil_mono_us();
    outbox_item *items = calloc((size_t)n, sizeof *items);
    if (!items) {
        PQclear(res);
        pg_rollback(r->pg);
        return -1;
    }
    int queued = 0;
    for (int i = 0; i < n; i++) {
        items[i].id = PQgetvalue(res, i, 0);
        const char *payload = PQgetvalue(res, i, 3);
        if (kafka_producer_send(r->producer, PQgetvalue(res, i, 2), PQgetvalue(res, i, 1), payload,
                                (size_t)PQgetlength(res, i, 3), &items[i], items[i].err,
                                sizeof items[i].err) != 0) {
            items[i].done = 1;
            items[i].ok = 0;
        } else {
            queued++;
        }
    }
    /* every queued message gets exactly one report, at the latest after message.timeout.ms */
    int purged = 0;
    for (;;) {
        int pending = 0;
        for (int i = 0; i < n; i++) pending += !items[i].done;
        if (!pending) break;
        kafka_producer_poll(r->producer, 50);
        /* shutting down while Kafka is unreachable: give up on this round after 5 s; the rows
         * stay unsent and are produced by the next start (purged messages report failure) */
        if (!purged && !atomic_load(&r->running) && timeutil_mono_us() - t0 > 5000000) {
            rd_kafka_purge(kafka_producer_handle(r->producer), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
            purged = 1;
        }
    }
    int nok = 0, nfail = 0;
    char *ok_ids = id_array(items, n, 1, &nok);
    char *fail_ids = id_array(items, n, 0, &nfail);
    int rc = 0;
    if (!ok_ids || !fail_ids) {
        rc = -1;
    } else {
        const char *p1[1] = { ok_ids };
        if (nok && pg_exec_cmd(r->pg, "UPDATE outbox SET sent_at = now(), attempts = attempts + 1 "
                                      "WHERE id = ANY($1::bigint[])", 1, p1, err, sizeof err) != 0)
            rc = -1;
        const char *first_err = "";
        for (int i = 0; i < n; i++)
            if (!items[i].ok) { first_err = items[i].err; break; }
        const char *p2[2] = { fail_ids, first_err };
        if (rc == 0 && nfail &&
            pg_exec_cmd(r->pg, "UPDATE outbox SET attempts = attempts + 1, last_error = $2 "
                               "WHERE id = ANY($1::bigint[])", 2, p2, err, sizeof err) != 0)
            rc = -1;
        if (rc == 0 && pg_commit(r->pg, err, sizeof err) != 0) rc = -1;
        if (rc != 0) log_error("outbox: marking rows failed (they will be produced again): %s", err);
        if (nfail) log_warn("outbox: %d of %d messages not delivered, will retry: %s", nfail, n, first_err);
    }
    if (rc != 0) pg_rollback(r->pg);
    free(ok_ids);
    free(fail_ids);
    free(items);
    PQclear(res);
    prom_counter_add(r->sent, rc == 0 ? nok : 0);
    prom_counter_add(r->failed, nfail);
    prom_counter_inc(r->rounds);
    prom_histogram_observe(r->round_seconds, (double)(timeutil_mono_us() - t0) / 1e6);
    if (rc != 0 || nfail) return -1;
    log_debug("outbox: sent %d messages", nok);
    return nok;
}

static void prune(outbox_relay *r)
{
    if (r->o.retention_s <= 0) return;
    char err[256], secs[32];
    snprintf(secs, sizeof secs, "%d", r->o.retention_s);
    const char *p[1] = { secs };
    if (pg_exec_cmd(r->pg, "DELETE FROM outbox WHERE sent_at < now() - make_interval(secs => $1::int)",
                    1, p, err, sizeof err) != 0)
        log_warn("outbox prune: %s", err);
}

static void wait_for_work(outbox_relay *r, int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&r->lock);
    while (!r->notified && atomic_load(&r->running))
        if (pthread_cond_timedwait(&r->cond, &r->lock, &ts) != 0) break;
    r->notified = 0;
    pthread_mutex_unlock(&r->lock);
}

static void *relay_main(void *arg)
{
    outbox_relay *r = arg;
    int backoff_ms = 0;
    int64_t last_prune = 0;
    while (atomic_load(&r->running)) {
        /* no producer: the last re-creation failed, try again (never use a producer that is not there) */
        if (!r->producer || rd_kafka_fatal_error(kafka_producer_handle(r->producer), NULL, 0)) {
            char err[256];
            log_error("outbox: %s", r->producer ? "producer hit a fatal error, recreating it" : "creating the producer again");
            pthread_mutex_lock(&r->prod_lock);
            kafka_producer_destroy(r->producer);
            r->producer = NULL;
            int orc = producer_open(r, err, sizeof err);
            pthread_mutex_unlock(&r->prod_lock);
            if (orc != 0) {
                log_error("outbox: %s", err);
                wait_for_work(r, 1000);
                continue;
            }
        }
        if (!pg_conn_check(r->pg)) {
            wait_for_work(r, 1000);
            continue;
        }
        int n = relay_round(r);
        if (n < 0) {
            backoff_ms = backoff_ms ? (backoff_ms * 2 > 5000 ? 5000 : backoff_ms * 2) : 250;
            wait_for_work(r, backoff_ms);
            continue;
        }
        backoff_ms = 0;
        if (timeutil_mono_ms() - last_prune > 60000) {
            prune(r);
            last_prune = timeutil_mono_ms();
        }
        if (n < r->o.batch) wait_for_work(r, r->o.poll_ms);
    }
    return NULL;
}

outbox_relay *outbox_relay_create(const outbox_opts *o, char *err, size_t errlen)
{
    outbox_relay *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->o = *o;
    if (r->o.batch <= 0) r->o.batch = 500;
    if (r->o.poll_ms <= 0) r->o.poll_ms = 200;
    if (r->o.delivery_timeout_ms <= 0) r->o.delivery_timeout_ms = 30000;
    r->dsn = strdup(o->pg_dsn ? o->pg_dsn : "");
    r->brokers = strdup(o->brokers ? o->brokers : "127.0.0.1:9092");
    pthread_mutex_init(&r->lock, NULL);
    pthread_mutex_init(&r->prod_lock, NULL);
    pthread_cond_init(&r->cond, NULL);
    atomic_init(&r->running, 1);
    atomic_init(&r->last_brokers, -1);
    r->sent = prom_counter_create(o->prom, "qaflow_storage_outbox_sent_total", "Outbox rows produced and acknowledged", NULL);
    r->failed = prom_counter_create(o->prom, "qaflow_storage_outbox_failed_total", "Outbox deliveries that failed (retried)", NULL);
    r->rounds = prom_counter_create(o->prom, "qaflow_storage_outbox_rounds_total", "Outbox relay rounds with rows", NULL);
    r->round_seconds = prom_histogram_create(o->prom, "qaflow_storage_outbox_round_seconds",
                                             "Time to produce a round and receive its acks", NULL,
                                             prom_latency_buckets, prom_latency_nbuckets);
    if (!r->dsn || !r->brokers || !(r->pg = pg_conn_create(r->dsn, 1, 0, err, errlen)) ||
        producer_open(r, err, errlen) != 0) {
        pg_conn_destroy(r->pg);
        free(r->dsn);
        free(r->brokers);
        pthread_mutex_destroy(&r->lock);
        pthread_cond_destroy(&r->cond);
        free(r);
        return NULL;
    }
    if (pthread_create(&r->thread, NULL, relay_main, r) != 0) {
        snprintf(err, errlen, "cannot start the outbox thread");
        kafka_producer_destroy(r->producer);
        pg_conn_destroy(r->pg);
        free(r->dsn);
        free(r->brokers);
        free(r);
        return NULL;
    }
    return r;
}

void outbox_relay_notify(outbox_relay *r)
{
    if (!r) return;
    pthread_mutex_lock(&r->lock);
    r->notified = 1;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
}


int outbox_relay_kafka_brokers(outbox_relay *r, int timeout_ms)
{
    if (!r) return -1;
    int n = -1;
    /* one metadata request at a time: the others take its last answer instead of queueing */
    if (pthread_mutex_trylock(&r->prod_lock) != 0)
        return atomic_load(&r->last_brokers);
    if (r->producer) {
        const struct rd_kafka_metadata *md = NULL;
        if (rd_kafka_metadata(kafka_producer_handle(r->producer), 0, NULL, &md, timeout_ms) ==
            RD_KAFKA_RESP_ERR_NO_ERROR) {
            n = md->broker_cnt;
            rd_kafka_metadata_destroy(md);
        }
    }
    atomic_store(&r->last_brokers, n);
    pthread_mutex_unlock(&r->prod_lock);
    return n;
}

void outbox_relay_destroy(outbox_relay *r)
{
    if (!r) return;
    atomic_store(&r->running, 0);
    outbox_relay_notify(r);
    pthread_join(r->thread, NULL);
    kafka_producer_destroy(r->producer);
    pg_conn_destroy(r->pg);
    pthread_mutex_destroy(&r->lock);
    pthread_mutex_destroy(&r->prod_lock);
    pthread_cond_destroy(&r->cond);
    free(r->dsn);
    free(r->brokers);
    free(r);
}
