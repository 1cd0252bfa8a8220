/* scorer_main.c -- qaflow-scorer: BERTScore over HTTP (POST /score) with micro-batching, /health, /metrics. */
#include <stdio.h>
#include <stdlib.h>

#include "batcher.h"
#include "bertscore.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "prom.h"
#include "scorer_api.h"
#include "scorer_defaults.h"
#include "service.h"

static const config_entry scorer_config[] = {
    {"port", "QAFLOW_SCORER_PORT", "-p", CONFIG_INT, "5002", 0, 65535, "HTTP port (0 = any free port)"},
    {"bind", "QAFLOW_SCORER_BIND", NULL, CONFIG_STRING, "127.0.0.1", 0, 0, "address to listen on"},
    {"model-dir", "QAFLOW_MODEL_DIR", NULL, CONFIG_STRING, SCORER_DEFAULT_MODEL_DIR, 0, 0, "model directory"},
    {"layer", "QAFLOW_BERTSCORE_LAYER", NULL, CONFIG_INT, SCORER_DEFAULT_LAYER, 0, 1000,
     "layer whose output is used (bert-score's num_layers)"},
    {"baseline", "QAFLOW_BERTSCORE_BASELINE", NULL, CONFIG_STRING, SCORER_DEFAULT_BASELINE, 0, 0,
     "baseline file (LAYER,P,R,F) for the *_rescaled fields; empty = raw scores only"},
    {"threads", "QAFLOW_BERTSCORE_THREADS", "-t", CONFIG_INT, "2", 1, 64, "encoder threads per micro-batch"},
    {"batch-size", NULL, NULL, CONFIG_INT, "64", 1, 4096, "sequences encoded together"},
    {"max-batch", "QAFLOW_SCORER_MAX_BATCH", NULL, CONFIG_INT, "64", 1, 4096,
     "pairs per micro-batch: a batch is scored as soon as it has this many"},
    {"batch-wait-ms", "QAFLOW_SCORER_BATCH_WAIT_MS", NULL, CONFIG_INT, "5", 0, 10000,
     "longest wait for companions after the first request of a batch"},
    {"max-queue", "QAFLOW_SCORER_MAX_QUEUE", NULL, CONFIG_INT, "2048", 1, 1e9,
     "pairs waiting; more gets 503"},
    {"max-pairs", NULL, NULL, CONFIG_INT, "256", 1, 100000, "pairs per request; more gets 400"},
    {"max-text", NULL, NULL, CONFIG_INT, "65536", 1, 1e8, "bytes per text; more gets 400"},
    {"max-body", NULL, NULL, CONFIG_INT, "4194304", 1024, 1e9, "request body limit in bytes (413 beyond)"},
    {"reference-cache-mb", "QAFLOW_SCORER_REFERENCE_CACHE_MB", NULL, CONFIG_INT, "64", 0, 1e6,
     "memory for reference embeddings kept between requests (LRU), so a regenerated answer "
     "encodes only the candidate; 0 disables"},
    {"http-threads", "QAFLOW_SCORER_HTTP_THREADS", NULL, CONFIG_INT, "256", 1, 4096,
     "concurrent HTTP connections, one thread each (bounds how many requests can wait for a micro-batch)"},
    {"log-level", "QAFLOW_LOG_LEVEL", NULL, CONFIG_STRING, "info", 0, 0, "debug, info, warn, error"},
};

typedef struct scorer_app {
    bertscore_model *m;
    bertscore_baseline *bl;
    bertscore_refcache *cache;   /* NULL when disabled */
    batcher *b;
    http_route routes[1];
    int layer, rescaled;
    size_t max_pairs, max_text;
} scorer_app;

/* Waits for its micro-batch: the HTTP server runs one thread per connection for it. */
static void scorer_handle_score(void *opaque, const http_request *req, http_response *resp)
{
    scorer_app *app = opaque;
    char err[512];
    scorer_request sr;
    if (scorer_request_parse(req->body, req->body_len, app->max_pairs, app->max_text, &sr, err, sizeof err) != 0) {
        http_response_error(resp, 400, "%s", err);
        return;
    }
    bertscore_result *res = calloc(sr.n, sizeof *res);
    if (!res) {
        scorer_request_free(&sr);
        http_response_error(resp, 500, "out of memory");
        return;
    }
    int rc = batcher_score(app->b, sr.cands, sr.refs, sr.n, res, err, sizeof err);
    if (rc == 0) {
        http_response_json(resp, 200, scorer_response(bertscore_model_name(app->m), app->layer, res, sr.n,
                                                      app->rescaled));
    } else if (rc == 1) {
        http_response_header(resp, "Retry-After", "1");
        http_response_error(resp, 503, "%s", err);
    } else {
        http_response_error(resp, 500, "%s", err);
    }
    free(res);
    scorer_request_free(&sr);
}

static void scorer_handle_health(void *opaque, const http_request *req, http_response *resp)
{
    (void)req;
    scorer_app *app = opaque;
    http_response_json(resp, 200, json_pack("{s:s,s:s,s:i,s:b,s:I}", "status", "ok", "model",
                                            bertscore_model_name(app->m), "layer", app->layer,
                                            "rescaled", app->rescaled, "queued_pairs",
                                            (json_int_t)batcher_queued(app->b)));
}

/* The model, its layer and the rescaling baseline. 0, or -1 after logging why. */
static int scorer_load(scorer_app *app, const config *c)
{
    char err[512];
    if (!(app->m = bertscore_model_load(config_get_string(c, "model-dir"), err, sizeof err))) {
        log_error("cannot load the model: %s", err);
        return -1;
    }
    app->layer = (int)config_get_int(c, "layer");
    app->max_pairs = (size_t)config_get_int(c, "max-pairs");
    app->max_text = (size_t)config_get_int(c, "max-text");
    if (app->layer > bertscore_model_layers(app->m)) {
        log_error("layer %d out of range 0..%d for %s", app->layer, bertscore_model_layers(app->m),
                  bertscore_model_name(app->m));
        return -1;
    }
    const char *bp = config_get_string(c, "baseline");
    if (!bp || !*bp) {
        log_warn("no baseline: only raw precision/recall/f1 are returned");
        return 0;
    }
    double x, y, z;
    if (!(app->bl = baseline_load(bp, err, sizeof err))) {
        log_error("cannot load the baseline: %s", err);
        return -1;
    }
    if (baseline_get(app->bl, app->layer, &x, &y, &z, err, sizeof err) != 0) {
        log_error("%s", err);
        return -1;
    }
    app->rescaled = 1;
    return 0;
}

static int scorer_start(service *s, void *opaque)
{
    scorer_app *app = opaque;
    const config *c = service_config(s);
    char err[512];
    if (scorer_load(app, c) != 0)
        return 1;
    batcher_opts bo = {.max_batch = (int)config_get_int(c, "max-batch"),
                       .wait_ms = (int)config_get_int(c, "batch-wait-ms"),
                       .max_queue = (long)config_get_int(c, "max-queue"),
                       .prom = service_prom(s)};
    bertscore_opts_default(app->m, &bo.score);
    bo.score.layer = app->layer;
    bo.score.baseline = app->bl;
    bo.score.batch_size = (int)config_get_int(c, "batch-size");
    bo.score.threads = (int)config_get_int(c, "threads");
    long long cache_mb = config_get_int(c, "reference-cache-mb");
    if (cache_mb > 0 && !(app->cache = bertscore_refcache_create((size_t)cache_mb << 20, err, sizeof err))) {
        log_error("%s", err);
        return 1;
    }
    bo.score.ref_cache = app->cache;
    if (!(app->b = batcher_create(app->m, &bo, err, sizeof err))) {
        log_error("%s", err);
        return 1;
    }
    app->routes[0] = (http_route){"POST", "/score", 0, scorer_handle_score, app};
    /* One thread per connection (http-threads of them at most): a /score handler waiting for
     * its micro-batch must not stall other connections, /health included. */
    http_server_opts ho = {.bind_addr = config_get_string(c, "bind"), .port = (int)config_get_int(c, "port"),
                           .thread_per_connection = 1, .threads = (int)config_get_int(c, "http-threads"),
                           .conn_timeout_s = 60, .max_body = (size_t)config_get_int(c, "max-body"),
                           .routes = app->routes, .nroutes = 1, .health = scorer_handle_health,
                           .health_opaque = app};
    if (service_serve_http(s, &ho, err, sizeof err) != 0) {
        log_error("cannot start the HTTP server: %s", err);
        return 1;
    }
    log_info("listening port=%d model=%s layer=%d rescaled=%d reference_cache_mb=%lld", service_http_port(s),
             bertscore_model_name(app->m), app->layer, app->rescaled, cache_mb);
    return 0;
}

/* Until a stop signal; then requests already queued are scored at once and answered, new ones get
 * 503, and the HTTP server stops accepting and waits (bounded) until every request in flight has
 * been answered, so in-flight answers are written before the connections close. */
static int scorer_run(service *s, void *opaque)
{
    scorer_app *app = opaque;
    service_wait(s);
    batcher_stop(app->b);
    int left = http_server_stop(service_http(s), 30000);
    if (left > 0)
        log_warn("%d requests still in flight after 30 s: closing their connections", left);
    return 0;
}

static void scorer_stop(void *opaque)
{
    scorer_app *app = opaque;
    batcher_destroy(app->b);
    bertscore_refcache_destroy(app->cache);
    baseline_destroy(app->bl);
    bertscore_model_free(app->m);
}

int main(int argc, char **argv)
{
    static const service_def def = {
        .prog = "qaflow-scorer",
        .summary = "BERTScore service: POST /score {\"pairs\":[{\"candidate\",\"reference\"}]}; /health; /metrics.",
        .settings = scorer_config,
        .nsettings = sizeof scorer_config / sizeof scorer_config[0],
        .log_component = "scorer",
        .start = scorer_start,
        .run = scorer_run,
        .stop = scorer_stop,
    };
    scorer_app app = {0};
    return service_main(&def, &app, argc, argv);
}
