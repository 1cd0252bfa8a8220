/* main.c -- qaflow-llm-stub: settings, signals, start the server, wait, shut down cleanly */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>

#include "config.h"
#include "log.h"
#include "service.h"
#include "stub_faults.h"
#include "stub_server.h"

static const config_entry stub_settings[] = {
    {"port", "QAFLOW_LLMSTUB_PORT", "-p", CONFIG_INT, "11435", 0, 65535,
     "TCP port (0: any free port, printed on startup)"},
    {"bind", "QAFLOW_LLMSTUB_BIND", NULL, CONFIG_STRING, "127.0.0.1", 0, 0, "IPv4 address to listen on"},
    {"upstream", "QAFLOW_LLMSTUB_UPSTREAM", NULL, CONFIG_STRING, NULL, 0, 0,
     "chaos-proxy mode: forward LLM requests to this base URL (e.g. http://127.0.0.1:8090) and inject faults in front of it"},
    {"upstream-timeout-ms", "QAFLOW_LLMSTUB_UPSTREAM_TIMEOUT_MS", NULL, CONFIG_INT, "120000", 100, 3600000,
     "proxy mode: limit for one upstream request"},
    {"seed", "QAFLOW_LLMSTUB_SEED", NULL, CONFIG_INT, "1", 0, 9.0e15,
     "seed of the random fault and jitter draws (same seed + same requests = same faults)"},
    {"rate-503", "QAFLOW_LLMSTUB_RATE_503", NULL, CONFIG_DOUBLE, "0", 0, 1, "share of requests answered 503"},
    {"rate-429", "QAFLOW_LLMSTUB_RATE_429", NULL, CONFIG_DOUBLE, "0", 0, 1, "share of requests answered 429"},
    {"rate-402", "QAFLOW_LLMSTUB_RATE_402", NULL, CONFIG_DOUBLE, "0", 0, 1, "share of requests answered 402 (quota)"},
    {"hang-rate", "QAFLOW_LLMSTUB_HANG_RATE", NULL, CONFIG_DOUBLE, "0", 0, 1,
     "share of requests held open and never answered"},
    {"retry-after-s", "QAFLOW_LLMSTUB_RETRY_AFTER_S", NULL, CONFIG_INT, "0", 0, 86400,
     "Retry-After seconds on 503/429/402 (0: no header)"},
    {"latency-ms", "QAFLOW_LLMSTUB_LATENCY_MS", NULL, CONFIG_INT, "0", 0, 3600000, "fixed delay before each answer"},
    {"latency-jitter-ms", "QAFLOW_LLMSTUB_LATENCY_JITTER_MS", NULL, CONFIG_INT, "0", 0, 3600000,
     "plus a uniform random delay of 0..N ms"},
    {"model", "QAFLOW_LLMSTUB_MODEL", NULL, CONFIG_STRING, "tinyllama", 0, 0,
     "model name listed by /api/tags and /v1/models and reported when a request names none"},
    {"hang-max-ms", "QAFLOW_LLMSTUB_HANG_MAX_MS", NULL, CONFIG_INT, "0", 0, 86400000,
     "close a held connection after this long (0: hold until the client leaves)"},
    {"request-log", "QAFLOW_LLMSTUB_REQUEST_LOG", NULL, CONFIG_INT, "50000", 1, 10000000,
     "requests kept for GET /admin/requests (oldest dropped first)"},
    {"max-body", "QAFLOW_LLMSTUB_MAX_BODY", NULL, CONFIG_INT, "1048576", 1024, 268435456,
     "largest request body in bytes (413 above)"},
    {"max-connections", "QAFLOW_LLMSTUB_MAX_CONNECTIONS", NULL, CONFIG_INT, "1024", 1, 65536,
     "concurrent connections (one thread each)"},
    {"log-level", "QAFLOW_LOG_LEVEL", NULL, CONFIG_STRING, "info", 0, 0, "debug, info, warn or error"},
};

/* The fault flags go through the same validation as POST /admin/config. */
static int stub_initial_faults(const config *c, stub_faults *f, char *err, size_t errlen)
{
    stub_faults_init(f);
    json_t *o = json_pack("{s:f,s:f,s:f,s:f,s:I,s:I,s:I,s:s}",
                          "rate_503", config_get_double(c, "rate-503"),
                          "rate_429", config_get_double(c, "rate-429"),
                          "rate_402", config_get_double(c, "rate-402"),
                          "hang_rate", config_get_double(c, "hang-rate"),
                          "retry_after_s", (json_int_t)config_get_int(c, "retry-after-s"),
                          "latency_ms", (json_int_t)config_get_int(c, "latency-ms"),
                          "latency_jitter_ms", (json_int_t)config_get_int(c, "latency-jitter-ms"),
                          "model", config_get_string(c, "model") ? config_get_string(c, "model") : "");
    if (!o) {
        snprintf(err, errlen, "bad fault settings");
        return -1;
    }
    int rc = stub_faults_update(f, o, err, errlen);
    json_decref(o);
    return rc;
}

/* The server and the faults it reads (stub_server keeps a pointer to them). */
typedef struct stub_app {
    stub_faults faults;
    stub_server *server;
    int curl_ready;
} stub_app;

static int stub_start(service *svc, void *app)
{
    stub_app *a = app;
    const config *c = service_config(svc);
    char err[512];
    if (stub_initial_faults(c, &a->faults, err, sizeof(err)) != 0) {
        log_error("bad settings: %s", err);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    a->curl_ready = 1;
    stub_server_opts o = {
        .bind_addr = config_get_string(c, "bind"),
        .port = (int)config_get_int(c, "port"),
        .upstream = config_get_string(c, "upstream"),
        .upstream_timeout_ms = (long)config_get_int(c, "upstream-timeout-ms"),
        .hang_max_ms = (long)config_get_int(c, "hang-max-ms"),
        .max_body = (size_t)config_get_int(c, "max-body"),
        .max_conns = (int)config_get_int(c, "max-connections"),
        .seed = (uint64_t)config_get_int(c, "seed"),
        .reqlog_capacity = (size_t)config_get_int(c, "request-log"),
        .faults = &a->faults,
    };
    if (!(a->server = stub_server_create(&o, err, sizeof(err)))) {
        log_error("cannot start: %s", err);
        return 1;
    }
    int proxy = o.upstream && *o.upstream;
    log_info("listening addr=%s port=%d mode=%s%s%s", o.bind_addr, stub_server_port(a->server),
             proxy ? "proxy" : "stub", proxy ? " upstream=" : "", proxy ? o.upstream : "");
    return 0;
}

static void stub_stop(void *app)
{
    stub_app *a = app;
    if (a->server)
        log_info("stopping: closing connections and held requests");
    stub_server_destroy(a->server);
    if (a->curl_ready)
        curl_global_cleanup();
}

int main(int argc, char **argv)
{
    static const service_def def = {
        .prog = "qaflow-llm-stub",
        .summary = "A small LLM server for tests and demos: speaks Ollama (/api/generate, /api/tags) and the "
                   "OpenAI-compatible API (/v1/chat/completions, /v1/completions, /v1/models), answers "
                   "deterministically, plays scripted answers, injects faults (503/429/402, Retry-After, "
                   "latency, hangs), records prompts, and can proxy a real LLM (--upstream). Admin API: "
                   "/admin/config, /admin/script, /admin/requests. See docs/llm-backends.md.",
        .settings = stub_settings,
        .nsettings = sizeof(stub_settings) / sizeof(*stub_settings),
        .log_component = "llm-stub",
        .start = stub_start,
        .stop = stub_stop,
    };
    stub_app app = {0};
    return service_main(&def, &app, argc, argv);
}
