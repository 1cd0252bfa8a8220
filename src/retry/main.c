/* main.c -- qaflow-retry: reads its settings, wires Kafka + PostgreSQL + metrics, runs, shuts down. */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http.h"
#include "log.h"
#include "prom.h"
#include "sig.h"
#include "retry.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static const config_entry settings[] = {
    {"policy", "QAFLOW_RETRY_POLICY", NULL, CONFIG_STRING, NULL, 0, 0, "overload | quota (required)"},
    {"brokers", "QAFLOW_KAFKA_BROKERS", NULL, CONFIG_STRING, "127.0.0.1:9092", 0, 0, "Kafka bootstrap servers"},
    {"group", "QAFLOW_RETRY_GROUP", NULL, CONFIG_STRING, NULL, 0, 0, "consumer group (default qaflow-retry-<policy>)"},
    {"client-id", "QAFLOW_RETRY_CLIENT_ID", NULL, CONFIG_STRING, NULL, 0, 0, "Kafka client.id (default qaflow-retry-<policy>)"},
    {"topic-in", "QAFLOW_RETRY_TOPIC_IN", NULL, CONFIG_STRING, NULL, 0, 0, "input topic (default llm-responses-error-<policy>)"},
    {"topic-pending", "QAFLOW_TOPIC_PENDING", NULL, CONFIG_STRING, "questions-pending", 0, 0, "where due questions go back"},
    {"topic-failed", "QAFLOW_TOPIC_FAILED", NULL, CONFIG_STRING, "questions-failed", 0, 0, "dead-letter topic"},
    {"max-retries", "QAFLOW_RETRY_MAX_RETRIES", NULL, CONFIG_INT, "-1", -1, 100, "retries before dead-lettering (-1: policy default, overload 3, quota 5)"},
    {"fixed-delay-s", "QAFLOW_RETRY_FIXED_DELAY_S", NULL, CONFIG_INT, "60", 0, 86400, "quota: delay when the LLM sent no Retry-After"},
    {"base-delay-s", "QAFLOW_RETRY_BASE_DELAY_S", NULL, CONFIG_INT, "1", 1, 3600, "overload: delay = base * 2^error_retries"},
    {"pg-dsn", "QAFLOW_PG_DSN", NULL, CONFIG_STRING, "", 0, 0, "PostgreSQL for llm_errors rows (empty: not recorded)"},
    {"metrics-port", "QAFLOW_RETRY_METRICS_PORT", NULL, CONFIG_INT, "-1", -1, 65535, "port of /health and /metrics (-1: 5021 overload, 5022 quota; 0: any)"},
    {"bind", "QAFLOW_BIND", NULL, CONFIG_STRING, "127.0.0.1", 0, 0, "bind address of /health and /metrics"},
    {"log-level", "QAFLOW_LOG_LEVEL", NULL, CONFIG_STRING, "info", 0, 0, "debug | info | warn | error"},
    {"kafka-property", NULL, "-X", CONFIG_LIST, NULL, 0, 0, "librdkafka setting key=value (repeatable)"},
};

typedef struct {
    retry_consumer *r;
    const char *policy;
} health_ctx;

static void health_handler(void *opaque, const http_request *req, http_response *resp)
{
    health_ctx *h = opaque;
    json_t *j = json_pack("{s:s, s:s, s:i, s:i}", "status", "ok", "policy", h->policy, "waiting",
                          h->r ? retry_held(h->r) : 0, "assigned_partitions",
                          h->r ? retry_assigned(h->r) : 0);
    http_response_json(resp, 200, j);
}

int main(int argc, char **argv)
{
    char err[512];
    int rc = 1;
    /* Logging starts below, once the policy names the component. */
    config *cfg = config_start("qaflow-retry",
                               "Re-sends questions that failed with an overload or quota error to "
                               "questions-pending after the policy's delay, without blocking.",
                               settings, sizeof settings / sizeof *settings, argc, argv, NULL, &rc);
    if (!cfg)
        return rc;
    rc = 1;
    retry_opts o;
    memset(&o, 0, sizeof o);
    const char *pname = config_get_string(cfg, "policy");
    if (retry_policy_init(&o.policy, pname, err, sizeof err) != 0) {
        fprintf(stderr, "qaflow-retry: --policy: %s\n", err);
        config_destroy(cfg);
        return 2;
    }
    char comp[32], group[64], topic_in[64];
    snprintf(comp, sizeof comp, "retry-%s", pname);
    snprintf(group, sizeof group, "qaflow-retry-%s", pname);
    snprintf(topic_in, sizeof topic_in, "llm-responses-error-%s", pname);
    if (config_start_log(cfg, comp) != 0) {
        config_destroy(cfg);
        return 2;
    }
    config_log(cfg);
    if (config_get_int(cfg, "max-retries") >= 0)
        o.policy.max_retries = (int)config_get_int(cfg, "max-retries");
    o.policy.fixed_delay_s = (int)config_get_int(cfg, "fixed-delay-s");
    if (o.policy.kind == RETRY_POLICY_OVERLOAD)
        o.policy.base_delay_s = (int)config_get_int(cfg, "base-delay-s");

    const char *g = config_get_string(cfg, "group");
    const char *cid = config_get_string(cfg, "client-id");
    const char *tin = config_get_string(cfg, "topic-in");
    o.brokers = config_get_string(cfg, "brokers");
    o.group = g && *g ? g : group;
    o.client_id = cid && *cid ? cid : group;
    o.topic_in = tin && *tin ? tin : topic_in;
    o.topic_pending = config_get_string(cfg, "topic-pending");
    o.topic_failed = config_get_string(cfg, "topic-failed");
    o.nkafka_props = config_get_list(cfg, "kafka-property", &o.kafka_props);
    o.pg_dsn = config_get_string(cfg, "pg-dsn");
    prom_registry *prom = prom_registry_create();
    o.prom = prom;

    health_ctx hc = {NULL, pname};
    http_server *srv = NULL;
    retry_consumer *r = prom ? retry_create(&o, err, sizeof err) : NULL;
    if (!r) {
        log_error("cannot start: %s", prom ? err : "out of memory");
        goto out;
    }
    hc.r = r;
    int port = (int)config_get_int(cfg, "metrics-port");
    if (port < 0)
        port = o.policy.kind == RETRY_POLICY_OVERLOAD ? 5021 : 5022;
    http_server_opts ho = {
        .bind_addr = config_get_string(cfg, "bind"),
        .port = port,
        .threads = 1,
        .health = health_handler,
        .health_opaque = &hc,
        .prom = prom,
    };
    srv = http_server_create(&ho, err, sizeof err);
    if (!srv) {
        log_error("metrics server: %s", err);
        goto out;
    }
    sig_install_stop(on_signal);
    log_info("started policy=%s topic=%s max_retries=%d fixed_delay_s=%d metrics_port=%d", pname,
             o.topic_in, o.policy.max_retries, o.policy.fixed_delay_s, http_server_port(srv));
    rc = retry_run(r, &stop_flag) == 0 ? 0 : 1;
out:
    http_server_destroy(srv);
    retry_destroy(r);
    prom_registry_destroy(prom);
    log_info("stopped rc=%d", rc);
    config_destroy(cfg);
    return rc;
}
