/* main.c -- qaflow-storage: reads its configuration, wires API, cache, outbox relay and consumer, shuts down cleanly. */
#include <stdio.h>

#include <curl/curl.h>

#include "api.h"
#include "cache.h"
#include "config.h"
#include "enqueue.h"
#include "http.h"
#include "llm_config.h"
#include "log.h"
#include "outbox.h"
#include "persist.h"
#include "pg.h"
#include "prom.h"
#include "service.h"
#include "store.h"
#include "sweeper.h"
#include "syncmode.h"

static const config_entry storage_config[] = {
    { "port", "QAFLOW_STORAGE_PORT", NULL, CONFIG_INT, "5001", 0, 65535, "HTTP port (0 picks a free one)" },
    { "bind", "QAFLOW_STORAGE_BIND", NULL, CONFIG_STRING, "127.0.0.1", 0, 0, "HTTP bind address (IPv4)" },
    { "http-threads", "QAFLOW_STORAGE_HTTP_THREADS", NULL, CONFIG_INT, "256", 1, 4096, "concurrent HTTP connections, one thread each (a request waiting on Redis or PostgreSQL holds only its own: /health always gets a thread)" },
    { "pg-timeout-ms", "QAFLOW_PG_TIMEOUT_MS", NULL, CONFIG_INT, "10000", 500, 600000, "bound of every PostgreSQL wait: connecting, each statement, a free pooled connection (then 503)" },
    { "max-body", "QAFLOW_STORAGE_MAX_BODY", NULL, CONFIG_INT, "65536", 1024, 16777216, "largest request body in bytes (larger: 413)" },
    { "pg-dsn", "QAFLOW_PG_DSN", NULL, CONFIG_STRING, "postgresql://qaflow:qaflow@127.0.0.1:5432/qaflow", 0, 0, "PostgreSQL connection string" },
    { "db-pool", "QAFLOW_STORAGE_DB_POOL", NULL, CONFIG_INT, "16", 1, 256, "PostgreSQL connections for HTTP requests" },
    { "db-wait", "QAFLOW_STORAGE_DB_WAIT", NULL, CONFIG_INT, "30", 1, 3600, "seconds to wait for PostgreSQL at startup" },
    { "enqueue-threads", "QAFLOW_STORAGE_ENQUEUE_THREADS", NULL, CONFIG_INT, "2", 0, 64, "writer threads that group-commit new questions (0: each POST commits alone)" },
    { "enqueue-batch", "QAFLOW_STORAGE_ENQUEUE_BATCH", NULL, CONFIG_INT, "256", 1, 10000, "most new questions per group commit" },
    { "redis", "QAFLOW_REDIS", NULL, CONFIG_STRING, "127.0.0.1:6379", 0, 0, "Redis address host:port" },
    { "redis-timeout-ms", "QAFLOW_REDIS_TIMEOUT_MS", NULL, CONFIG_INT, "500", 10, 60000, "Redis connect/command timeout" },
    { "redis-pool", "QAFLOW_STORAGE_REDIS_POOL", NULL, CONFIG_INT, "32", 1, 256, "Redis connections for HTTP requests" },
    { "cache-prefix", "QAFLOW_CACHE_PREFIX", NULL, CONFIG_STRING, "qaflow:result:", 0, 0, "Redis key prefix of cached results" },
    { "cache-ttl", "QAFLOW_CACHE_TTL", NULL, CONFIG_INT, "86400", 0, 31536000, "Redis TTL of a cached result in seconds (0: none, eviction by policy)" },
    { "local-cache", "QAFLOW_STORAGE_LOCAL_CACHE", NULL, CONFIG_INT, "8192", 0, 16777216, "in-process result slots in front of Redis (0: off; results over 16 KiB are not kept)" },
    { "brokers", "QAFLOW_KAFKA_BOOTSTRAP", NULL, CONFIG_STRING, "127.0.0.1:9092", 0, 0, "Kafka bootstrap servers" },
    { "kafka", NULL, NULL, CONFIG_ALIAS, "brokers", 0, 0, "the old spelling, still accepted" },
    { "kafka-property", "QAFLOW_STORAGE_KAFKA_PROPS", "-X", CONFIG_LIST, NULL, 0, 0, "librdkafka setting key=value for producer and consumer (repeatable)" },
    { "kafka-prop", NULL, NULL, CONFIG_ALIAS, "kafka-property", 0, 0, "the old spelling, still accepted" },
    { "group", "QAFLOW_STORAGE_GROUP", NULL, CONFIG_STRING, "qaflow-storage", 0, 0, "consumer group of the persistence consumer" },
    { "consumer", "QAFLOW_STORAGE_CONSUMER", NULL, CONFIG_BOOL, "true", 0, 0, "run the persistence consumer" },
    { "relay", "QAFLOW_STORAGE_RELAY", NULL, CONFIG_BOOL, "true", 0, 0, "run the outbox relay to questions-pending" },
    { "outbox-batch", "QAFLOW_OUTBOX_BATCH", NULL, CONFIG_INT, "500", 1, 100000, "outbox rows per relay round" },
    { "outbox-poll-ms", "QAFLOW_OUTBOX_POLL_MS", NULL, CONFIG_INT, "200", 1, 60000, "relay idle wait (new rows wake it at once)" },
    { "outbox-timeout-ms", "QAFLOW_OUTBOX_TIMEOUT_MS", NULL, CONFIG_INT, "30000", 1000, 600000, "message.timeout.ms of the relay's producer" },
    { "outbox-max-backlog", "QAFLOW_OUTBOX_MAX_BACKLOG", NULL, CONFIG_INT, "100000", 0, 100000000, "new questions get 503 + Retry-After while more outbox rows than this are unsent (Kafka not taking them; 0: no bound)" },
    { "outbox-retention", "QAFLOW_OUTBOX_RETENTION", NULL, CONFIG_INT, "3600", 0, 31536000, "seconds to keep sent outbox rows (0: forever)" },
    { "sync-workers", "QAFLOW_STORAGE_SYNC_WORKERS", NULL, CONFIG_INT, "4", 0, 1024, "POST /query?mode=sync: questions answered at once (more: 503); 0 turns the sync mode off" },
    { "scorer-url", "QAFLOW_SCORER_URL", NULL, CONFIG_STRING, "http://127.0.0.1:5002", 0, 0, "sync mode: qaflow-scorer base URL" },
    { "scorer-timeout-ms", "QAFLOW_SCORER_TIMEOUT_MS", NULL, CONFIG_INT, "15000", 100, 600000, "sync mode: limit for one POST /score" },
    { "score-field", "QAFLOW_SCOREJOB_SCORE_FIELD", NULL, CONFIG_STRING, "auto", 0, 0, "sync mode: auto (f1_rescaled when present, else f1), f1_rescaled or f1 (as the ScoreJob)" },
    { "threshold", "QAFLOW_SCOREJOB_THRESHOLD", NULL, CONFIG_DOUBLE, "0.5", -1, 2, "sync mode: accept at or above this score (the ScoreJob's --threshold)" },
    { "max-regenerations", "QAFLOW_SCOREJOB_MAX_REGENERATIONS", NULL, CONFIG_INT, "3", 0, 63, "sync mode: regenerations before the best attempt is accepted (the ScoreJob's)" },
    LLM_CONFIG_ENTRIES,
    { "sweep-interval-s", "QAFLOW_STORAGE_SWEEP_INTERVAL_S", NULL, CONFIG_INT, "30", 0, 86400, "look for questions stuck in pending this often (0: no sweeper)" },
    { "stuck-after-s", "QAFLOW_STORAGE_STUCK_AFTER_S", NULL, CONFIG_INT, "600", 1, 31536000, "a pending run with no progress (start, LLM error, attempt) for this long is re-enqueued as a new run" },
    { "stuck-max-requeues", "QAFLOW_STORAGE_STUCK_MAX_REQUEUES", NULL, CONFIG_INT, "2", 0, 100, "re-enqueues of a stuck question in a row; then it fails with reason 'stuck'" },
    { "log-level", "QAFLOW_LOG_LEVEL", NULL, CONFIG_STRING, "info", 0, 0, "debug, info, warn or error" },
};

/* The service's parts, in the order they are built. */
typedef struct storage_app {
    store *st;
    cache *ca;
    outbox_relay *relay;
    persist_consumer *pc;
    sweeper *sw;
    enqueue_batcher *eb;
    api *ap;
    llm_config llm;
    syncmode *sync;
} storage_app;

/* PostgreSQL pool and the Redis cache in front of it. */
static int storage_start_data(storage_app *a, const config *cfg, prom_registry *prom)
{
    char err[512];
    a->st = store_create(config_get_string(cfg, "pg-dsn"), (int)config_get_int(cfg, "db-pool"),
                         (int)config_get_int(cfg, "db-wait"), err, sizeof err);
    if (!a->st) {
        log_error("cannot connect to PostgreSQL: %s", err);
        return -1;
    }
    cache_opts co = { .redis_addr = config_get_string(cfg, "redis"),
                      .timeout_ms = (int)config_get_int(cfg, "redis-timeout-ms"),
                      .conns = (int)config_get_int(cfg, "redis-pool"),
                      .prefix = config_get_string(cfg, "cache-prefix"),
                      .ttl_s = (int)config_get_int(cfg, "cache-ttl"),
                      .local_entries = (int)config_get_int(cfg, "local-cache"),
                      .prom = prom };
    if (!(a->ca = cache_create(&co, err, sizeof err))) {
        log_error("cache: %s", err);
        return -1;
    }
    return 0;
}

/* The outbox relay (to questions-pending) and the persistence consumer, each when enabled. */
static int storage_start_kafka(storage_app *a, const config *cfg, prom_registry *prom)
{
    char err[512];
    const char *const *props;
    size_t nprops = config_get_list(cfg, "kafka-property", &props);
    const char *dsn = config_get_string(cfg, "pg-dsn");
    const char *brokers = config_get_string(cfg, "brokers");
    if (config_get_bool(cfg, "relay")) {
        outbox_opts oo = { .pg_dsn = dsn, .brokers = brokers, .kafka_props = props, .nkafka_props = nprops,
                           .batch = (int)config_get_int(cfg, "outbox-batch"),
                           .poll_ms = (int)config_get_int(cfg, "outbox-poll-ms"),
                           .delivery_timeout_ms = (int)config_get_int(cfg, "outbox-timeout-ms"),
                           .retention_s = (int)config_get_int(cfg, "outbox-retention"), .prom = prom };
        if (!(a->relay = outbox_relay_create(&oo, err, sizeof err))) {
            log_error("outbox relay: %s", err);
            return -1;
        }
    }
    if (config_get_bool(cfg, "consumer")) {
        persist_opts po = { .pg_dsn = dsn, .brokers = brokers, .group = config_get_string(cfg, "group"),
                            .kafka_props = props, .nkafka_props = nprops, .cache = a->ca, .prom = prom };
        if (!(a->pc = persist_consumer_create(&po, err, sizeof err))) {
            log_error("persistence consumer: %s", err);
            return -1;
        }
    }
    return 0;
}

/* The sync mode's worker pool (LLM and scorer clients), unless --sync-workers is 0. */
static int storage_start_sync(storage_app *a, const config *cfg, prom_registry *prom)
{
    char err[512];
    int workers = (int)config_get_int(cfg, "sync-workers");
    if (workers == 0)
        return 0;
    curl_global_init(CURL_GLOBAL_DEFAULT); /* here, before any thread uses libcurl */
    if (llm_config_read(cfg, &a->llm, err, sizeof err) != 0) {
        log_error("sync mode: %s", err);
        return -1;
    }
    syncmode_opts so = { .workers = workers, .llm = &a->llm, .scorer_url = config_get_string(cfg, "scorer-url"),
                         .scorer_timeout_ms = (long)config_get_int(cfg, "scorer-timeout-ms"),
                         .score_field = config_get_string(cfg, "score-field"),
                         .threshold = config_get_double(cfg, "threshold"),
                         .max_regenerations = (int)config_get_int(cfg, "max-regenerations"), .prom = prom };
    if (!(a->sync = syncmode_create(&so, err, sizeof err))) {
        log_error("sync mode: %s", err);
        return -1;
    }
    log_info("sync mode: %d workers llm=%s model=%s scorer=%s threshold=%g max_regenerations=%d", workers,
             a->llm.url, a->llm.model, so.scorer_url, so.threshold, so.max_regenerations);
    return 0;
}

/* The sweeper of questions stuck in pending, when enabled. */
static int storage_start_sweeper(storage_app *a, const config *cfg, prom_registry *prom)
{
    char err[512];
    if (config_get_int(cfg, "sweep-interval-s") <= 0)
        return 0;
    sweeper_opts so = { .pg_dsn = config_get_string(cfg, "pg-dsn"),
                        .interval_s = (int)config_get_int(cfg, "sweep-interval-s"),
                        .stuck_after_s = (int)config_get_int(cfg, "stuck-after-s"),
                        .max_requeues = (int)config_get_int(cfg, "stuck-max-requeues"), .batch = 200, .prom = prom };
    if (!(a->sw = sweeper_create(&so, err, sizeof err))) {
        log_error("sweeper: %s", err);
        return -1;
    }
    return 0;
}

/* The group-commit writers, the API and its HTTP server. */
static int storage_start_api(storage_app *a, service *s)
{
    char err[512];
    const config *cfg = service_config(s);
    int threads = (int)config_get_int(cfg, "enqueue-threads");
    if (threads > 0 && !(a->eb = enqueue_batcher_create(config_get_string(cfg, "pg-dsn"), threads,
                                                        (int)config_get_int(cfg, "enqueue-batch"),
                                                        service_prom(s), err, sizeof err))) {
        log_error("enqueue: %s", err);
        return -1;
    }
    if (storage_start_sync(a, cfg, service_prom(s)) != 0)
        return -1;
    api_deps deps = { .store = a->st, .cache = a->ca, .relay = a->relay, .batcher = a->eb,
                      .max_backlog = config_get_int(cfg, "outbox-max-backlog"), .prom = service_prom(s),
                      .sync = a->sync };
    if (!(a->ap = api_create(&deps, err, sizeof err))) {
        log_error("api: %s", err);
        return -1;
    }
    http_server_opts ho = { .bind_addr = config_get_string(cfg, "bind"), .port = (int)config_get_int(cfg, "port"),
                            .thread_per_connection = 1,
                            .threads = (int)config_get_int(cfg, "http-threads"),
                            .max_body = (size_t)config_get_int(cfg, "max-body") };
    api_http_opts(a->ap, &ho);
    if (service_serve_http(s, &ho, err, sizeof err) != 0) {
        log_error("http: %s", err);
        return -1;
    }
    log_info("listening on %s:%d relay=%s consumer=%s", ho.bind_addr, service_http_port(s),
             a->relay ? "on" : "off", a->pc ? "on" : "off");
    return 0;
}

static int storage_start(service *s, void *app)
{
    storage_app *a = app;
    prom_registry *prom = service_prom(s);
    pg_set_timeout_ms((int)config_get_int(service_config(s), "pg-timeout-ms"));
    prom_gauge_set(prom_gauge_create(prom, "qaflow_storage_pg_timeout_seconds", "Bound of every PostgreSQL wait", NULL),
                   (double)pg_get_timeout_ms() / 1000.0);
    if (storage_start_data(a, service_config(s), prom) != 0 || storage_start_kafka(a, service_config(s), prom) != 0 ||
        storage_start_sweeper(a, service_config(s), prom) != 0 ||
        storage_start_api(a, s) != 0)
        return 1;
    return 0;
}

/* The HTTP server is already gone: stop taking work first, then finish what is in flight. */
static void storage_stop(void *app)
{
    storage_app *a = app;
    sweeper_destroy(a->sw);
    enqueue_batcher_destroy(a->eb);
    persist_consumer_destroy(a->pc);
    outbox_relay_destroy(a->relay);
    api_destroy(a->ap);
    syncmode_destroy(a->sync);
    llm_config_free(&a->llm);
    cache_destroy(a->ca);
    store_destroy(a->st);
}

int main(int argc, char **argv)
{
    static const service_def def = {
        .prog = "qaflow-storage",
        .summary = "qaflow's storage service: HTTP API (POST /query, GET /status/<id>, GET /metrics, GET /health),\n"
                   "POST /query?mode=sync answered inline by a bounded pool (LLM + scorer + regeneration, no Kafka),\n"
                   "Redis cache-aside, transactional outbox to questions-pending and the persistence consumer.",
        .settings = storage_config,
        .nsettings = sizeof storage_config / sizeof storage_config[0],
        .log_component = "storage",
        .start = storage_start,
        .stop = storage_stop,
    };
    storage_app app = { 0 };
    return service_main(&def, &app, argc, argv);
}
