/* main.c -- qaflow-console: settings, wiring of the Kafka view, database pool, sampler, API, events and pages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capi.h"
#include "cdb.h"
#include "config.h"
#include "events.h"
#include "http.h"
#include "kview.h"
#include "log.h"
#include "sampler.h"
#include "service.h"
#include "www.h"

#ifndef CONSOLE_WWW_DIR
#define CONSOLE_WWW_DIR "src/console/www"
#endif
#ifndef CONSOLE_VENDOR_DIR
#define CONSOLE_VENDOR_DIR "src/console/node_modules"
#endif

static const config_entry console_config[] = {
    { "port", "QAFLOW_CONSOLE_PORT", NULL, CONFIG_INT, "8080", 0, 65535, "HTTP port (0 picks a free one)" },
    { "bind", "QAFLOW_CONSOLE_BIND", NULL, CONFIG_STRING, "127.0.0.1", 0, 0, "HTTP bind address (IPv4)" },
    { "http-connections", "QAFLOW_CONSOLE_HTTP_CONNECTIONS", NULL, CONFIG_INT, "64", 4, 1024, "most open connections (one thread each)" },
    { "sse-clients", "QAFLOW_CONSOLE_SSE_CLIENTS", NULL, CONFIG_INT, "32", 1, 1000, "most open /api/events streams" },
    { "www", "QAFLOW_CONSOLE_WWW", NULL, CONFIG_STRING, CONSOLE_WWW_DIR, 0, 0, "folder of the pages and static files" },
    { "vendor", "QAFLOW_CONSOLE_VENDOR", NULL, CONFIG_STRING, CONSOLE_VENDOR_DIR, 0, 0, "npm's node_modules (uplot/dist is served under /vendor/uplot/)" },
    { "brokers", "QAFLOW_KAFKA_BOOTSTRAP", NULL, CONFIG_STRING, "127.0.0.1:9092", 0, 0, "Kafka bootstrap servers" },
    { "kafka-property", "QAFLOW_CONSOLE_KAFKA_PROPS", "-X", CONFIG_LIST, NULL, 0, 0, "librdkafka setting key=value (repeatable)" },
    { "kafka-timeout-ms", "QAFLOW_CONSOLE_KAFKA_TIMEOUT_MS", NULL, CONFIG_INT, "3000", 100, 60000, "bound of every Kafka request" },
    { "scan-limit", "QAFLOW_CONSOLE_SCAN_LIMIT", NULL, CONFIG_INT, "5000", 1, 1000000, "messages read per partition when browsing by key" },
    { "max-messages", "QAFLOW_CONSOLE_MAX_MESSAGES", NULL, CONFIG_INT, "500", 1, 100000, "largest limit of /api/topics/<t>/messages" },
    { "pg-dsn", "QAFLOW_PG_DSN", NULL, CONFIG_STRING, "postgresql://qaflow:qaflow@127.0.0.1:5432/qaflow", 0, 0, "PostgreSQL connection string" },
    { "db-pool", "QAFLOW_CONSOLE_DB_POOL", NULL, CONFIG_INT, "4", 1, 64, "PostgreSQL connections (one is the sampler's)" },
    { "db-wait", "QAFLOW_CONSOLE_DB_WAIT", NULL, CONFIG_INT, "30", 1, 3600, "seconds to wait for PostgreSQL at startup" },
    { "pg-timeout-ms", "QAFLOW_CONSOLE_PG_TIMEOUT_MS", NULL, CONFIG_INT, "5000", 100, 600000, "statement_timeout, connect and pool wait bound" },
    { "storage-url", "QAFLOW_CONSOLE_STORAGE_URL", NULL, CONFIG_STRING, "http://127.0.0.1:5001", 0, 0, "the storage API (the Ask page posts to its /query)" },
    { "flink-url", "QAFLOW_CONSOLE_FLINK_URL", NULL, CONFIG_STRING, "http://127.0.0.1:8081", 0, 0, "Flink REST API and Web UI" },
    { "prometheus-url", "QAFLOW_CONSOLE_PROMETHEUS_URL", NULL, CONFIG_STRING, "http://127.0.0.1:9090", 0, 0, "Prometheus (linked from the pages)" },
    { "service", "QAFLOW_CONSOLE_SERVICES", "-S", CONFIG_LIST, NULL, 0, 0, "name=URL of a service with /health and /metrics (repeatable; env: comma-separated)" },
    { "interval-ms", "QAFLOW_CONSOLE_INTERVAL_MS", NULL, CONFIG_INT, "2000", 200, 600000, "sampling period of the overview (and of live updates)" },
    { "rate-window-ms", "QAFLOW_CONSOLE_RATE_WINDOW_MS", NULL, CONFIG_INT, "10000", 0, 3600000, "messages/s are averaged over at least this long (consumers commit every few seconds)" },
    { "group-active-s", "QAFLOW_CONSOLE_GROUP_ACTIVE_S", NULL, CONFIG_INT, "600", 0, 604800, "a consumer group without members counts as active this long after its offsets last moved" },
    { "http-timeout-ms", "QAFLOW_CONSOLE_HTTP_TIMEOUT_MS", NULL, CONFIG_INT, "1000", 50, 60000, "bound of each request to a service or Flink" },
    { "log-level", "QAFLOW_LOG_LEVEL", NULL, CONFIG_STRING, "info", 0, 0, "debug, info, warn or error" },
};

typedef struct console_app {
    kview *kafka;
    cdb *db;
    sampler_target *targets;
    char **target_names;
    size_t ntargets;
    sampler *sampler;
    events *events;
    www *www;
    capi api;
} console_app;

/* The "name=URL" items of --service. */
static int console_targets(console_app *a, const config *cfg)
{
    const char *const *items;
    size_t n = config_get_list(cfg, "service", &items);
    a->targets = calloc(n + 1, sizeof *a->targets);
    a->target_names = calloc(n + 1, sizeof *a->target_names);
    if (!a->targets || !a->target_names) return -1;
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(items[i], '=');
        if (!eq || eq == items[i] || strncmp(eq + 1, "http", 4) != 0) {
            log_error("bad --service '%s': want name=http://host:port", items[i]);
            return -1;
        }
        if (!(a->target_names[i] = strndup(items[i], (size_t)(eq - items[i])))) return -1;
        a->targets[i].name = a->target_names[i];
        a->targets[i].url = eq + 1;
        a->ntargets++;
    }
    return 0;
}

static int console_start(service *s, void *app)
{
    console_app *a = app;
    const config *cfg = service_config(s);
    char err[512];
    if (console_targets(a, cfg) != 0) return 2;
    if (!(a->www = www_create(config_get_string(cfg, "www"), config_get_string(cfg, "vendor"), err, sizeof err))) {
        log_error("www: %s", err);
        return 2;
    }
    const char *const *props;
    size_t nprops = config_get_list(cfg, "kafka-property", &props);
    kview_opts ko = { .brokers = config_get_string(cfg, "brokers"), .props = props, .nprops = nprops,
                      .timeout_ms = (int)config_get_int(cfg, "kafka-timeout-ms"),
                      .scan_limit = (int)config_get_int(cfg, "scan-limit") };
    if (!(a->kafka = kview_create(&ko, err, sizeof err))) {
        log_error("kafka: %s", err);
        return 2;
    }
    int pg_timeout = (int)config_get_int(cfg, "pg-timeout-ms");
    if (!(a->db = cdb_create(config_get_string(cfg, "pg-dsn"), (int)config_get_int(cfg, "db-pool"), pg_timeout,
                             (int)config_get_int(cfg, "db-wait"), err, sizeof err))) {
        log_error("cannot connect to PostgreSQL: %s", err);
        return 1;
    }
    int http_timeout = (int)config_get_int(cfg, "http-timeout-ms");
    sampler_opts so = { .kafka = a->kafka, .db = a->db, .targets = a->targets, .ntargets = a->ntargets,
                        .flink_url = config_get_string(cfg, "flink-url"),
                        .prometheus_url = config_get_string(cfg, "prometheus-url"),
                        .interval_ms = (int)config_get_int(cfg, "interval-ms"), .http_timeout_ms = http_timeout,
                        .rate_window_ms = (int)config_get_int(cfg, "rate-window-ms"),
                        .group_active_ms = (int)config_get_int(cfg, "group-active-s") * 1000,
                        .prom = service_prom(s) };
    if (!(a->sampler = sampler_create(&so, err, sizeof err))) {
        log_error("sampler: %s", err);
        return 1;
    }
    if (!(a->events = events_create(a->sampler, (int)config_get_int(cfg, "sse-clients"), 15000, service_prom(s)))) {
        log_error("events: out of memory");
        return 1;
    }
    a->api = (capi){ .sampler = a->sampler, .kafka = a->kafka, .db = a->db,
                     .storage_url = config_get_string(cfg, "storage-url"), .http_timeout_ms = http_timeout,
                     .max_messages = (int)config_get_int(cfg, "max-messages") };
    const http_route routes[] = {
        { "GET", "/api/overview", 0, capi_overview, &a->api },
        { "GET", "/api/topics", 0, capi_topics, &a->api },
        { "GET", "/api/topics/", 1, capi_topic_messages, &a->api },
        { "GET", "/api/questions", 0, capi_search, &a->api },
        { "GET", "/api/questions/", 1, capi_question, &a->api },
        { "GET", "/api/analysis", 0, capi_analysis, &a->api },
        { "POST", "/api/ask", 0, capi_ask, &a->api },
        { "GET", "/api/events", 0, events_handle, a->events },
        { "GET", "/static/", 1, www_static, a->www },
        { "GET", "/vendor/uplot/", 1, www_vendor, a->www },
        { "GET", "/", 0, www_page, a->www },
        { "GET", "/topics", 0, www_page, a->www },
        { "GET", "/topics/", 1, www_page, a->www },
        { "GET", "/questions", 0, www_page, a->www },
        { "GET", "/questions/", 1, www_page, a->www },
        { "GET", "/analysis", 0, www_page, a->www },
        { "GET", "/ask", 0, www_page, a->www },
    };
    http_server_opts ho = { .bind_addr = config_get_string(cfg, "bind"), .port = (int)config_get_int(cfg, "port"),
                            .threads = (int)config_get_int(cfg, "http-connections"), .thread_per_connection = 1,
                            .thread_stack = 256 * 1024, .conn_timeout_s = 60, .max_body = 65536, .routes = routes,
                            .nroutes = sizeof routes / sizeof routes[0], .health = capi_health,
                            .health_opaque = &a->api };
    if (service_serve_http(s, &ho, err, sizeof err) != 0) {
        log_error("http: %s", err);
        return 1;
    }
    log_info("listening on %s:%d services=%zu flink=%s", ho.bind_addr, service_http_port(s), a->ntargets,
             so.flink_url);
    return 0;
}

/* The HTTP server is gone already (streams ended): stop the sampler, then free the readers. */
static void console_stop(void *app)
{
    console_app *a = app;
    events_destroy(a->events);
    sampler_destroy(a->sampler);
    cdb_destroy(a->db);
    kview_destroy(a->kafka);
    www_destroy(a->www);
    for (size_t i = 0; i < a->ntargets; i++) free(a->target_names[i]);
    free(a->target_names);
    free(a->targets);
}

int main(int argc, char **argv)
{
    static const service_def def = {
        .prog = "qaflow-console",
        .summary = "qaflow's web console: the pipeline live (components, topics, lag, in flight, Flink), Kafka topics\n"
                   "and messages, every question's journey, the analysis charts and the Ask form; JSON API under /api/,\n"
                   "Server-Sent Events on /api/events, /health and Prometheus /metrics. Reads only; Ask posts through\n"
                   "the storage API.",
        .settings = console_config,
        .nsettings = sizeof console_config / sizeof console_config[0],
        .log_component = "console",
        .start = console_start,
        .stop = console_stop,
    };
    console_app app = { 0 };
    return service_main(&def, &app, argc, argv);
}
