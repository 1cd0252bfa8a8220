/* main.c -- qaflow-llm-worker: reads its settings, wires Kafka + LLM + metrics, runs, shuts down. */
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
#include "msg.h"
#include "prompt.h"
#include "service.h"
#include "worker.h"

static const config_entry settings[] = {
    {"brokers", "QAFLOW_KAFKA_BOOTSTRAP", NULL, CONFIG_STRING, "127.0.0.1:9092", 0, 0, "Kafka bootstrap servers"},
    {"group", "QAFLOW_LLM_GROUP", NULL, CONFIG_STRING, "qaflow-llm-workers", 0, 0, "Kafka consumer group"},
    {"client-id", "QAFLOW_LLM_CLIENT_ID", NULL, CONFIG_STRING, "qaflow-llm-worker", 0, 0, "Kafka client.id"},
    {"topic-pending", "QAFLOW_TOPIC_PENDING", NULL, CONFIG_STRING, MSG_TOPIC_PENDING, 0, 0, "input topic"},
    {"topic-success", "QAFLOW_TOPIC_SUCCESS", NULL, CONFIG_STRING, MSG_TOPIC_SUCCESS, 0, 0, "topic for answers"},
    {"topic-overload", "QAFLOW_TOPIC_ERR_OVERLOAD", NULL, CONFIG_STRING, MSG_TOPIC_ERR_OVERLOAD, 0, 0, "topic for 503/429/timeouts"},
    {"topic-quota", "QAFLOW_TOPIC_ERR_QUOTA", NULL, CONFIG_STRING, MSG_TOPIC_ERR_QUOTA, 0, 0, "topic for 402/quota errors"},
    {"topic-failed", "QAFLOW_TOPIC_FAILED", NULL, CONFIG_STRING, MSG_TOPIC_FAILED, 0, 0, "dead-letter topic"},
    LLM_CONFIG_ENTRIES,
    {"concurrency", "QAFLOW_LLM_CONCURRENCY", NULL, CONFIG_INT, "4", 1, 4096, "LLM requests in flight"},
    {"shutdown-timeout-s", "QAFLOW_LLM_SHUTDOWN_TIMEOUT_S", NULL, CONFIG_INT, "30", 0, 3600, "how long a shutdown waits for in-flight work"},
    {"metrics-port", "QAFLOW_LLM_METRICS_PORT", NULL, CONFIG_INT, "5011", 0, 65535, "port of /health and /metrics (0: any)"},
    {"bind", "QAFLOW_BIND", NULL, CONFIG_STRING, "127.0.0.1", 0, 0, "bind address of /health and /metrics"},
    {"log-level", "QAFLOW_LOG_LEVEL", NULL, CONFIG_STRING, "info", 0, 0, "debug | info | warn | error"},
    {"kafka-property", NULL, "-X", CONFIG_LIST, NULL, 0, 0, "librdkafka setting key=value (repeatable)"},
    {"print-prompt", NULL, NULL, CONFIG_STRING, NULL, 0, 0, "print the prompt the LLM gets for this question (with the template in effect) and exit"},
};

/* The worker's parts; what /health reports. */
typedef struct llm_app {
    worker *w;
    llm_config lc; /* the LLM settings (src/llm/llm_config.h, shared with the storage's sync mode) */
    int curl_ready;
    const char *backend;
} llm_app;

static void llm_health(void *opaque, const http_request *req, http_response *resp)
{
    llm_app *a = opaque;
    size_t held = a->w ? worker_produce_held(a->w) : 0;
    json_t *j = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:I}", "status", "ok", "assigned_partitions",
                          a->w ? worker_assigned(a->w) : 0, "backend", a->backend, "llm_url", a->lc.url,
                          "model", a->lc.model, "produce", held ? "blocked" : "ok", "produce_held",
                          (json_int_t)held);
    http_response_json(resp, 200, j);
}

/* --print-prompt QUESTION: the prompt exactly as the LLM gets it, on stdout. 0, or 2 (bad template). */
static int llm_print_prompt(const char *tmpl, const char *question)
{
    char err[256];
    prompt *p = prompt_create(tmpl && *tmpl ? tmpl : prompt_default_template(), err, sizeof err);
    if (!p) {
        log_error("--prompt-template: %s", err);
        return 2;
    }
    char *text = prompt_render(p, question);
    prompt_destroy(p);
    if (!text) {
        log_error("out of memory");
        return 1;
    }
    fputs(text, stdout);
    free(text);
    return fflush(stdout) == 0 ? SERVICE_DONE : 1;
}

static int llm_start(service *s, void *app)
{
    llm_app *a = app;
    const config *cfg = service_config(s);
    const char *tmpl = config_get_string(cfg, "prompt-template");
    const char *question = config_get_string(cfg, "print-prompt");
    if (question)
        return llm_print_prompt(tmpl, question);
    char err[512];
    if (llm_config_read(cfg, &a->lc, err, sizeof err) != 0) {
        log_error("%s", err);
        return 2;
    }
    a->backend = backend_kind_name(a->lc.kind);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    a->curl_ready = 1;
    worker_opts wo = {
        .brokers = config_get_string(cfg, "brokers"),
        .group = config_get_string(cfg, "group"),
        .client_id = config_get_string(cfg, "client-id"),
        .topic_pending = config_get_string(cfg, "topic-pending"),
        .topic_success = config_get_string(cfg, "topic-success"),
        .topic_overload = config_get_string(cfg, "topic-overload"),
        .topic_quota = config_get_string(cfg, "topic-quota"),
        .topic_failed = config_get_string(cfg, "topic-failed"),
        .backend = a->lc.kind,
        .llm_url = a->lc.url,
        .api_key = a->lc.api_key,
        .model = a->lc.model,
        .prompt_template = a->lc.prompt_template,
        .stop = (const char *const *)a->lc.stop,
        .temperature = a->lc.temperature,
        .regen_temperature = a->lc.regen_temperature,
        .max_tokens = a->lc.max_tokens,
        .concurrency = (int)config_get_int(cfg, "concurrency"),
        .timeout_ms = a->lc.timeout_ms,
        .connect_timeout_ms = a->lc.connect_timeout_ms,
        .shutdown_timeout_s = (int)config_get_int(cfg, "shutdown-timeout-s"),
        .prom = service_prom(s),
    };
    wo.nkafka_props = config_get_list(cfg, "kafka-property", &wo.kafka_props);
    if (!(a->w = worker_create(&wo, err, sizeof err))) {
        log_error("cannot start: %s", err);
        return 1;
    }
    http_server_opts ho = {
        .bind_addr = config_get_string(cfg, "bind"),
        .port = (int)config_get_int(cfg, "metrics-port"),
        .threads = 1,
        .health = llm_health,
        .health_opaque = a,
    };
    if (service_serve_http(s, &ho, err, sizeof err) != 0) {
        log_error("metrics server: %s", err);
        return 1;
    }
    log_info("started backend=%s url=%s model=%s concurrency=%d metrics_port=%d", a->backend, a->lc.url, a->lc.model,
             wo.concurrency, service_http_port(s));
    return 0;
}

static int llm_run(service *s, void *app)
{
    llm_app *a = app;
    return worker_run(a->w, &service_stop) == 0 ? 0 : 1;
}

static void llm_stop(void *app)
{
    llm_app *a = app;
    worker_destroy(a->w);
    llm_config_free(&a->lc);
    if (a->curl_ready)
        curl_global_cleanup();
}

int main(int argc, char **argv)
{
    static const service_def def = {
        .prog = "qaflow-llm-worker",
        .summary = "Consumes " MSG_TOPIC_PENDING ", asks the LLM, produces the result to " MSG_TOPIC_SUCCESS
                   ", an error topic or " MSG_TOPIC_FAILED ".",
        .settings = settings,
        .nsettings = sizeof settings / sizeof *settings,
        .log_component = "llm-worker",
        .start = llm_start,
        .run = llm_run,
        .stop = llm_stop,
    };
    llm_app app = { 0 };
    return service_main(&def, &app, argc, argv);
}
