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
    {"backend", "QAFLOW_LLM_BACKEND", NULL, CONFIG_STRING, "ollama", 0, 0, "LLM API: ollama | openai (also openai-chat, openai-completions)"},
    {"openai-endpoint", "QAFLOW_LLM_OPENAI_ENDPOINT", NULL, CONFIG_STRING, "completions", 0, 0, "OpenAI-compatible endpoint: completions | chat"},
    {"llm-url", "QAFLOW_LLM_URL", NULL, CONFIG_STRING, "", 0, 0, "LLM base URL (ollama: default $OLLAMA_HOST or localhost:11434; openai: default http://127.0.0.1:8090)"},
    {"model", "QAFLOW_LLM_MODEL", NULL, CONFIG_STRING, "tinyllama", 0, 0, "model name sent to the LLM"},
    {"api-key", "QAFLOW_LLM_API_KEY", NULL, CONFIG_STRING, "", 0, 0, "bearer token for OpenAI-compatible servers (else $OPENAI_API_KEY)"},
    {"prompt-template", "QAFLOW_LLM_PROMPT", NULL, CONFIG_STRING, "", 0, 0, "prompt with {question} (\\n escapes); empty: built-in few-shot completion prompt"},
    {"stop", "QAFLOW_LLM_STOP", NULL, CONFIG_LIST, NULL, 0, 0, "stop sequence (repeatable, \\n escapes); default with the built-in prompt: \\nQuestion:"},
    {"temperature", "QAFLOW_LLM_TEMPERATURE", NULL, CONFIG_DOUBLE, "0.7", 0, 2, "sampling temperature"},
    {"max-tokens", "QAFLOW_LLM_MAX_TOKENS", NULL, CONFIG_INT, "128", 1, 8192, "longest answer in tokens"},
    {"concurrency", "QAFLOW_LLM_CONCURRENCY", NULL, CONFIG_INT, "4", 1, 4096, "LLM requests in flight"},
    {"timeout-s", "QAFLOW_LLM_TIMEOUT_S", NULL, CONFIG_DOUBLE, "120", 0.1, 3600, "whole LLM request timeout (then: overload)"},
    {"connect-timeout-ms", "QAFLOW_LLM_CONNECT_TIMEOUT_MS", NULL, CONFIG_INT, "3000", 1, 600000, "LLM connect timeout"},
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

/* Expands \n, \t, \\ in a setting value; malloc'd. */
static char *unescape(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;
    if (!out)
        return NULL;
    for (; *s; s++) {
        if (*s == '\\' && (s[1] == 'n' || s[1] == 't' || s[1] == '\\')) {
            *o++ = s[1] == 'n' ? '\n' : s[1] == 't' ? '\t' : '\\';
            s++;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
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

    llm_backend_kind kind;
    if (backend_parse_kind(config_get_string(cfg, "backend"), config_get_string(cfg, "openai-endpoint"),
                           &kind, err, sizeof err) != 0) {
        log_error("%s", err);
        config_destroy(cfg);
        return 2;
    }
    const char *base = config_get_string(cfg, "llm-url");
    if (!base || !*base) {
        const char *oh = getenv("OLLAMA_HOST");
        base = kind == LLM_BACKEND_OLLAMA ? (oh && *oh ? oh : "localhost:11434") : "http://127.0.0.1:8090";
    }
    char *url = backend_url(kind, base, err, sizeof err);
    if (!url) {
        log_error("%s", err);
        config_destroy(cfg);
        return 2;
    }
    const char *api_key = config_get_string(cfg, "api-key");
    if ((!api_key || !*api_key) && getenv("OPENAI_API_KEY"))
        api_key = getenv("OPENAI_API_KEY");

    const char *const *stops_cfg = NULL;
    size_t nstops = config_get_list(cfg, "stop", &stops_cfg);
    const char *tmpl = config_get_string(cfg, "prompt-template");
    char **stops = calloc(nstops + 2, sizeof *stops);
    for (size_t i = 0; stops && i < nstops; i++)
        stops[i] = unescape(stops_cfg[i]);
    if (stops && nstops == 0 && (!tmpl || !*tmpl))
        stops[0] = strdup("\nQuestion:");

    const char *const *props = NULL;
    size_t nprops = config_get_list(cfg, "kafka-property", &props);

    curl_global_init(CURL_GLOBAL_DEFAULT);
    prom_registry *prom = prom_registry_create();
    health_ctx hc = {NULL, prom, backend_kind_name(kind), url, config_get_string(cfg, "model")};
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
        .backend = kind,
        .llm_url = url,
        .api_key = api_key,
        .model = config_get_string(cfg, "model"),
        .prompt_template = tmpl,
        .stop = (const char *const *)stops,
        .temperature = config_get_double(cfg, "temperature"),
        .max_tokens = (int)config_get_int(cfg, "max-tokens"),
        .concurrency = (int)config_get_int(cfg, "concurrency"),
        .timeout_ms = (long)(config_get_double(cfg, "timeout-s") * 1000),
        .connect_timeout_ms = (long)config_get_int(cfg, "connect-timeout-ms"),
        .shutdown_timeout_s = (int)config_get_int(cfg, "shutdown-timeout-s"),
        .prom = prom,
    };
    worker *w = stops && prom ? worker_create(&wo, err, sizeof err) : NULL;
    http_server *srv = NULL;
    if (!w) {
        log_error("cannot start: %s", stops && prom ? err : "out of memory");
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
    log_info("started backend=%s url=%s model=%s concurrency=%d metrics_port=%d", backend_kind_name(kind),
             url, wo.model, wo.concurrency, http_server_port(srv));
    rc = worker_run(w, &stop_flag) == 0 ? 0 : 1;
out:
    http_server_destroy(srv); /* first: its /health reads the worker */
    worker_destroy(w);
    prom_registry_destroy(prom);
    for (size_t i = 0; stops && stops[i]; i++)
        free(stops[i]);
    free(stops);
    free(url);
    curl_global_cleanup();
    log_info("stopped rc=%d", rc);
    config_destroy(cfg);
    return rc;
}
