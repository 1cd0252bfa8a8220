/* main.c -- qaflow-retry: reads its settings, wires Kafka + PostgreSQL + metrics, runs, shuts down. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "http.h"
#include "log.h"
#include "msg.h"
#include "prom.h"
#include "retry.h"
#include "service.h"

static const config_entry settings[] = {
    {"policy", "QAFLOW_RETRY_POLICY", NULL, CONFIG_STRING, NULL, 0, 0, "overload | quota (required)"},
    {"brokers", "QAFLOW_KAFKA_BOOTSTRAP", NULL, CONFIG_STRING, "127.0.0.1:9092", 0, 0, "Kafka bootstrap servers"},
    {"group", "QAFLOW_RETRY_GROUP", NULL, CONFIG_STRING, NULL, 0, 0, "consumer group (default qaflow-retry-<policy>)"},
    {"client-id", "QAFLOW_RETRY_CLIENT_ID", NULL, CONFIG_STRING, NULL, 0, 0, "Kafka client.id (default qaflow-retry-<policy>)"},
    {"topic-in", "QAFLOW_RETRY_TOPIC_IN", NULL, CONFIG_STRING, NULL, 0, 0, "input topic (default " MSG_TOPIC_ERR_OVERLOAD " or " MSG_TOPIC_ERR_QUOTA ")"},
    {"topic-pending", "QAFLOW_TOPIC_PENDING", NULL, CONFIG_STRING, MSG_TOPIC_PENDING, 0, 0, "where due questions go back"},
    {"topic-failed", "QAFLOW_TOPIC_FAILED", NULL, CONFIG_STRING, MSG_TOPIC_FAILED, 0, 0, "dead-letter topic"},
    {"max-retries", "QAFLOW_RETRY_MAX_RETRIES", NULL, CONFIG_INT, "-1", -1, 100, "retries before dead-lettering (-1: policy default, overload 3, quota 5)"},
    {"fixed-delay-s", "QAFLOW_RETRY_FIXED_DELAY_S", NULL, CONFIG_INT, "60", 0, 86400, "quota: delay when the LLM sent no Retry-After"},
    {"base-delay-s", "QAFLOW_RETRY_BASE_DELAY_S", NULL, CONFIG_INT, "1", 1, 3600, "overload: delay = base * 2^error_retries"},
    {"max-held", "QAFLOW_RETRY_MAX_HELD", NULL, CONFIG_INT, "10000", 1, 10000000, "messages waiting at most: intake pauses at the cap, resumes below 90 %"},
    {"max-held-mb", "QAFLOW_RETRY_MAX_HELD_MB", NULL, CONFIG_INT, "64", 1, 65536, "MiB of messages waiting at most: likewise"},
    {"max-delay-s", "QAFLOW_RETRY_MAX_DELAY_S", NULL, CONFIG_INT, "900", 1, 86400, "no delay is longer, whatever Retry-After asks (a long wait pins its partition's committed offset)"},
    {"pg-dsn", "QAFLOW_PG_DSN", NULL, CONFIG_STRING, "", 0, 0, "PostgreSQL for llm_errors rows (empty: not recorded)"},
    {"metrics-port", "QAFLOW_RETRY_METRICS_PORT", NULL, CONFIG_INT, "-1", -1, 65535, "port of /health and /metrics (-1: 5021 overload, 5022 quota; 0: any)"},
    {"bind", "QAFLOW_BIND", NULL, CONFIG_STRING, "127.0.0.1", 0, 0, "bind address of /health and /metrics"},
    {"log-level", "QAFLOW_LOG_LEVEL", NULL, CONFIG_STRING, "info", 0, 0, "debug | info | warn | error"},
    {"kafka-property", NULL, "-X", CONFIG_LIST, NULL, 0, 0, "librdkafka setting key=value (repeatable)"},
};

/* The consumer and its names (defaults derived from the policy). */
typedef struct retry_app {
    retry_consumer *r;
    const char *policy;
    char group[64];
} retry_app;

static void retry_health(void *opaque, const http_request *req, http_response *resp)
{
    retry_app *a = opaque;
    size_t held = a->r ? retry_produce_held(a->r) : 0;
    json_t *j = json_pack("{s:s, s:s, s:i, s:i, s:s, s:I}", "status", "ok", "policy", a->policy, "waiting",
                          a->r ? retry_held(a->r) : 0, "assigned_partitions", a->r ? retry_assigned(a->r) : 0,
                          "produce", held ? "blocked" : "ok", "produce_held", (json_int_t)held);
    http_response_json(resp, 200, j);
}

/* A string setting, or dflt when it is empty. */
static const char *setting_or(const config *cfg, const char *name, const char *dflt)
{
    const char *v = config_get_string(cfg, name);
    return v && *v ? v : dflt;
}

/* The policy (which also names the log component) and the options from the settings. 0, or 2. */
static int retry_configure(retry_app *a, service *s, retry_opts *o)
{
    char err[512];
    const config *cfg = service_config(s);
    a->policy = config_get_string(cfg, "policy");
    if (retry_policy_init(&o->policy, a->policy, err, sizeof err) != 0) {
        fprintf(stderr, "qaflow-retry: --policy: %s\n", err);
        return 2;
    }
    char comp[32];
    snprintf(comp, sizeof comp, "retry-%s", a->policy);
    snprintf(a->group, sizeof a->group, "qaflow-retry-%s", a->policy);
    if (service_start_log(s, comp) != 0)
        return 2;
    if (config_get_int(cfg, "max-retries") >= 0)
        o->policy.max_retries = (int)config_get_int(cfg, "max-retries");
    o->policy.fixed_delay_s = (int)config_get_int(cfg, "fixed-delay-s");
    if (o->policy.kind == RETRY_POLICY_OVERLOAD)
        o->policy.base_delay_s = (int)config_get_int(cfg, "base-delay-s");
    o->policy.max_delay_s = (int)config_get_int(cfg, "max-delay-s");
    o->max_held = (int)config_get_int(cfg, "max-held");
    o->max_held_bytes = (size_t)config_get_int(cfg, "max-held-mb") << 20;
    prom_gauge_set(prom_gauge_create(service_prom(s), "qaflow_retry_max_delay_seconds",
                                     "Cap on any retry delay (Retry-After included)", NULL),
                   (double)o->policy.max_delay_s);
    o->brokers = config_get_string(cfg, "brokers");
    o->group = setting_or(cfg, "group", a->group);
    o->client_id = setting_or(cfg, "client-id", a->group);
    o->topic_in = setting_or(cfg, "topic-in",
                             o->policy.kind == RETRY_POLICY_OVERLOAD ? MSG_TOPIC_ERR_OVERLOAD : MSG_TOPIC_ERR_QUOTA);
    o->topic_pending = config_get_string(cfg, "topic-pending");
    o->topic_failed = config_get_string(cfg, "topic-failed");
    o->nkafka_props = config_get_list(cfg, "kafka-property", &o->kafka_props);
    o->pg_dsn = config_get_string(cfg, "pg-dsn");
    o->prom = service_prom(s);
    return 0;
}

static int retry_start(service *s, void *app)
{
    retry_app *a = app;
    char err[512];
    retry_opts o;
    memset(&o, 0, sizeof o);
    int rc = retry_configure(a, s, &o);
    if (rc != 0)
        return rc;
    if (!(a->r = retry_create(&o, err, sizeof err))) {
        log_error("cannot start: %s", err);
        return 1;
    }
    int port = (int)config_get_int(service_config(s), "metrics-port");
    if (port < 0)
        port = o.policy.kind == RETRY_POLICY_OVERLOAD ? 5021 : 5022;
    http_server_opts ho = {
        .bind_addr = config_get_string(service_config(s), "bind"),
        .port = port,
        .threads = 1,
        .health = retry_health,
        .health_opaque = a,
    };
    if (service_serve_http(s, &ho, err, sizeof err) != 0) {
        log_error("metrics server: %s", err);
        return 1;
    }
    log_info("started policy=%s topic=%s max_retries=%d fixed_delay_s=%d metrics_port=%d", a->policy, o.topic_in,
             o.policy.max_retries, o.policy.fixed_delay_s, service_http_port(s));
    return 0;
}

static int retry_main_run(service *s, void *app)
{
    retry_app *a = app;
    return retry_run(a->r, &service_stop) == 0 ? 0 : 1;
}

static void retry_stop(void *app)
{
    retry_app *a = app;
    retry_destroy(a->r);
}

int main(int argc, char **argv)
{
    static const service_def def = {
        .prog = "qaflow-retry",
        .summary = "Re-sends questions that failed with an overload or quota error to " MSG_TOPIC_PENDING
                   " after the policy's delay, without blocking.",
        .settings = settings,
        .nsettings = sizeof settings / sizeof *settings,
        .log_component = NULL, /* retry-<policy>: set by retry_configure */
        .start = retry_start,
        .run = retry_main_run,
        .stop = retry_stop,
    };
    retry_app app = { 0 };
    return service_main(&def, &app, argc, argv);
}
