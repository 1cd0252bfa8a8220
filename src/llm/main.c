/* main.c -- qaflow-llm-worker: reads its settings, wires Kafka + LLM + metrics, runs, shuts down. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "backend.h"
#include "config.h"
#include "http.h"
#include "llm_config.h"
#include "log.h"
#include "prom.h"
#include "sig.h"
#include "worker.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static const config_entry settings[] = {
    {"brokers", "QAFLOW_KAFKA_BROKERS", NULL, CONFIG_STRING, "127.0.0.1:9092", 0, 0, "Kafka bootstrap servers"},
    {"group", "QAFLOW_LLM_GROUP", NULL, CONFIG_STRING, "qaflow-llm-workers", 0, 0, "Kafka consumer group"},
    {"client-id", "QAFLOW_LLM_CLIENT_ID", NULL, CONFIG_STRING, "qaflow-llm-worker", 0, 0, "Kafka client.id"},
    {"topic-pending", "QAFLOW_TOPIC_PENDING", NULL, CONFIG_STRING, "questions-pending", 0, 0, "input topic"},
    {"topic-success", "QAFLOW_TOPIC_SUCCESS", NULL, CONFIG_STRING, "llm-responses-success", 0, 0, "topic for answers"},
    {"topic-overload", "QAFLOW_TOPIC_ERR_OVERLOAD", NULL, CONFIG_STRING, "llm-responses-error-overload", 0, 0, "topic for 503/429/timeouts"},
    {"topic-quota", "QAFLOW_TOPIC_ERR_QUOTA", NULL, CONFIG_STRING, "llm-responses-error-quota", 0, 0, "topic for 402/quota errors"},
    {"topic-failed", "QAFLOW_TOPIC_FAILED", NULL, CONFIG_STRING, "questions-failed", 0, 0, "dead-letter topic"},
    LLM_CONFIG_ENTRIES,
    {"concurrency", "QAFLOW_LLM_CONCURRENCY", NULL, CONFIG_INT, "4", 1, 4096, "LLM requests in flight"},
    {"shutdown-timeout-s", "QAFLOW_LLM_SHUTDOWN_TIMEOUT_S", NULL, CONFIG_INT, "30", 0, 3600, "how long a shutdown waits for in-flight work"},
    {"metrics-port", "QAFLOW_LLM_METRICS_PORT", NULL, CONFIG_INT, "5011", 0, 65535, "port of /health and /metrics (0: any)"},
    {"bind", "QAFLOW_BIND", NULL, CONFIG_STRING, "127.0.0.1", 0, 0, "bind address of /health and /metrics"},
    {"log-level", "QAFLOW_LOG_LEVEL", NULL, CONFIG_STRING, "info", 0, 0, "debug | info | warn | error"},
    {"kafka-property", NULL, "-X", CONFIG_LIST, NULL, 0, 0, "librdkafka setting key=value (repeatable)"},
};

typedef struct {
    worker *w;
    prom_registry *prom;
    const char *backend, *url, *model;
} health_ctx;

static void health_handler(void *opaque, const http_request *req, http_response *resp)
{
    health_ctx *h = opaque;
    int assigned = h->w ? worker_assigned(h->w) : 0;
    json_t *j = json_pack("{s:s, s:i, s:s, s:s, s:s}", "status", "ok", "assigned_partitions",
                          assigned, "backend", h->backend, "llm_url", h->url, "model", h->model);
    http_response_json(resp, 200, j);
}

int main(int argc, char **argv)
{
    char err[512];
    int rc = 1;
    config *cfg = config_start("qaflow-llm-worker",
                               "Consumes questions-pending, asks the LLM, produces the result to "
                               "llm-responses-success, an error topic or questions-failed.",
                               settings, sizeof settings / sizeof *settings, argc, argv, "llm-worker", &rc);
    if (!cfg)
        return rc;
    rc = 1;
    config_log(cfg);

    llm_config lc;
    if (llm_config_read(cfg, &lc, err, sizeof err) != 0) {
        log_error("%s", err);
        config_destroy(cfg);
        return 2;
    }

    const char *const *props = NULL;
    size_t nprops = config_get_list(cfg, "kafka-property", &props);

    curl_global_init(CURL_GLOBAL_DEFAULT);
    prom_registry *prom = prom_registry_create();
    health_ctx hc = {NULL, prom, backend_kind_name(lc.kind), lc.url, lc.model};
    worker_opts wo = {
        .brokers = config_get_string(cfg, "brokers"),
        .group = config_get_string(cfg, "group"),
        .client_id = config_get_string(cfg, "client-id"),
        .topic_pending = config_get_string(cfg, "topic-pending"),
        .topic_success = config_get_string(cfg, "topic-success"),
        .topic_overload = config_get_string(cfg, "topic-overload"),
        .topic_quota = config_get_string(cfg, "topic-quota"),
        .topic_failed = config_get_string(cfg, "topic-failed"),
        .kafka_props = props,
        .nkafka_props = nprops,
        .backend = lc.kind,
        .llm_url = lc.url,
        .api_key = lc.api_key,
        .model = lc.model,
        .prompt_template = lc.prompt_template,
        .stop = (const char *const *)lc.stop,
        .temperature = lc.temperature,
        .max_tokens = lc.max_tokens,
        .concurrency = (int)config_get_int(cfg, "concurrency"),
        .timeout_ms = lc.timeout_ms,
        .connect_timeout_ms = lc.connect_timeout_ms,
        .shutdown_timeout_s = (int)config_get_int(cfg, "shutdown-timeout-s"),
        .prom = prom,
    };
    worker *w = prom ? worker_create(&wo, err, sizeof err) : NULL;
    http_server *srv = NULL;
    if (!w) {
        log_error("cannot start: %s", prom ? err : "out of memory");
        goto out;
    }
    hc.w = w;
    http_server_opts ho = {
        .bind_addr = config_get_string(cfg, "bind"),
        .port = (int)config_get_int(cfg, "metrics-port"),
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
    log_info("started backend=%s url=%s model=%s concurrency=%d metrics_port=%d", backend_kind_name(lc.kind),
             lc.url, wo.model, wo.concurrency, http_server_port(srv));
    rc = worker_run(w, &stop_flag) == 0 ? 0 : 1;
out:
    http_server_destroy(srv); /* first: its /health reads the worker */
    worker_destroy(w);
    prom_registry_destroy(prom);
    llm_config_free(&lc);
    curl_global_cleanup();
    log_info("stopped rc=%d", rc);
    config_destroy(cfg);
    return rc;
}
