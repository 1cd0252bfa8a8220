/* main.c -- qaflow-traffic: sends dataset questions to the storage service at a given rate, waits for them, prints a summary. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "service.h"
#include "traffic_client.h"
#include "traffic_questions.h"
#include "traffic_sched.h"
#include "traffic_stats.h"

static const config_entry traffic_settings[] = {
    {"url", "QAFLOW_TRAFFIC_URL", "-u", CONFIG_STRING, "http://127.0.0.1:5001", 0, 0,
     "base URL of qaflow-storage (POST /query, GET /status/<id>)"},
    {"dataset", "QAFLOW_TRAFFIC_DATASET", "-d", CONFIG_STRING, "dataset/sample.csv", 0, 0,
     "Yahoo! Answers CSV file (no header: class, title, content, best answer); '-' reads stdin"},
    {"count", "QAFLOW_TRAFFIC_COUNT", "-n", CONFIG_INT, "50", 0, 1e9,
     "questions to send (0: every record after --skip); the dataset is reused in order if it has fewer"},
    {"skip", "QAFLOW_TRAFFIC_SKIP", NULL, CONFIG_INT, "0", 0, 1e12, "records of the dataset to pass over first"},
    {"shuffle", "QAFLOW_TRAFFIC_SHUFFLE", NULL, CONFIG_BOOL, "false", 0, 0,
     "send a random sample of the dataset (seeded by --seed) instead of its first records"},
    {"rate", "QAFLOW_TRAFFIC_RATE", "-r", CONFIG_DOUBLE, "5", 0, 1e6,
     "questions per second (0: as fast as --concurrency allows)"},
    {"distribution", "QAFLOW_TRAFFIC_DISTRIBUTION", NULL, CONFIG_STRING, "uniform", 0, 0,
     "gaps between sends: uniform (fixed 1/rate) or poisson (exponential, mean 1/rate)"},
    {"seed", "QAFLOW_TRAFFIC_SEED", NULL, CONFIG_INT, "1", 0, 9.0e15, "seed of the Poisson gaps and of --shuffle"},
    {"concurrency", "QAFLOW_TRAFFIC_CONCURRENCY", "-c", CONFIG_INT, "16", 1, 10000,
     "HTTP requests in flight at most (POSTs and status polls together)"},
    {"timeout", "QAFLOW_TRAFFIC_TIMEOUT", "-t", CONFIG_INT, "300", 1, 864000,
     "seconds a question may take from its POST to completed/failed before it counts as timed out"},
    {"poll-interval-ms", "QAFLOW_TRAFFIC_POLL_INTERVAL_MS", NULL, CONFIG_INT, "500", 10, 600000,
     "GET /status/<id> of each pending question this often (the resolution of the end-to-end latency)"},
    {"http-timeout-ms", "QAFLOW_TRAFFIC_HTTP_TIMEOUT_MS", NULL, CONFIG_INT, "10000", 100, 600000,
     "limit for one HTTP request"},
    {"no-wait", "QAFLOW_TRAFFIC_NO_WAIT", NULL, CONFIG_BOOL, "false", 0, 0,
     "only send (a POST /query load generator): do not poll for results"},
    {"tag", "QAFLOW_TRAFFIC_TAG", NULL, CONFIG_STRING, NULL, 0, 0,
     "put \"[TAG] \" in front of every question text, so a run asks new questions (ids derive from the text)"},
    {"json", "QAFLOW_TRAFFIC_JSON", NULL, CONFIG_BOOL, "false", 0, 0,
     "print the summary as one JSON object on stdout instead of text"},
    {"results", "QAFLOW_TRAFFIC_RESULTS", NULL, CONFIG_STRING, NULL, 0, 0,
     "write one JSON line per question (id, outcome, attempts, score, elapsed) to this file"},
    {"require-complete", "QAFLOW_TRAFFIC_REQUIRE_COMPLETE", NULL, CONFIG_BOOL, "false", 0, 0,
     "exit 3 unless every question sent ended completed"},
    {"log-level", "QAFLOW_LOG_LEVEL", NULL, CONFIG_STRING, "info", 0, 0, "debug, info, warn or error"},
};

int main(int argc, char **argv) {
    char err[512];
    int rc = 1;
    config *c = config_start(
        "qaflow-traffic",
        "The traffic generator: reads questions from a Yahoo! Answers CSV dataset (question text = title, plus a "
        "newline and the content when there is one; original_answer = the best answer), sends them to "
        "qaflow-storage POST /query at --rate (uniform or Poisson arrivals), polls GET /status/<id> until each "
        "is completed or failed or --timeout passes, and prints a summary: sent, accepted, served at once from "
        "the cache/database, completed, failed, timed out, attempts distribution, average score, latency "
        "p50/p95/p99. Exit status: 0 done, 1 could not run, 2 bad settings, 3 --require-complete not met. "
        "See docs/dataset.md.",
        traffic_settings, sizeof(traffic_settings) / sizeof(*traffic_settings), argc, argv, "traffic", &rc);
    if (!c) return rc;
    rc = 1;
    traffic_dist dist;
    if (traffic_dist_parse(config_get_string(c, "distribution"), &dist) != 0) {
        fprintf(stderr, "qaflow-traffic: --distribution must be uniform or poisson (see --help)\n");
        config_destroy(c);
        return 2;
    }
    config_log(c);

    traffic_questions qs;
    traffic_questions_opts qo = {
        .path = config_get_string(c, "dataset"),
        .skip = (long)config_get_int(c, "skip"),
        .count = (long)config_get_int(c, "count"),
        .shuffle = config_get_bool(c, "shuffle"),
        .seed = (uint64_t)config_get_int(c, "seed"),
        .tag = config_get_string(c, "tag"),
    };
    if (traffic_questions_load(&qo, &qs, err, sizeof(err)) != 0) {
        log_error("cannot read the dataset: %s", err);
        config_destroy(c);
        return 1;
    }
    long count = qo.count > 0 ? qo.count : (long)qs.n;
    log_info("dataset loaded path=%s questions=%zu malformed_skipped=%ld sending=%ld%s", qo.path, qs.n,
             qs.skipped_malformed, count, (size_t)count > qs.n ? " (reusing questions)" : "");

    FILE *results = NULL;
    const char *results_path = config_get_string(c, "results");
    if (results_path && *results_path) {
        results = fopen(results_path, "w");
        if (!results) {
            log_error("cannot write --results file path=%s", results_path);
            traffic_questions_free(&qs);
            config_destroy(c);
            return 1;
        }
    }

    service_install_signals();
    curl_global_init(CURL_GLOBAL_DEFAULT);

    traffic_client_opts co = {
        .url = config_get_string(c, "url"),
        .count = count,
        .rate = config_get_double(c, "rate"),
        .dist = dist,
        .seed = (uint64_t)config_get_int(c, "seed"),
        .concurrency = (long)config_get_int(c, "concurrency"),
        .poll_interval_ms = (long)config_get_int(c, "poll-interval-ms"),
        .timeout_s = (long)config_get_int(c, "timeout"),
        .http_timeout_ms = (long)config_get_int(c, "http-timeout-ms"),
        .no_wait = config_get_bool(c, "no-wait"),
        .results = results,
        .stop = &service_stop,
    };
    traffic_run_info info = {
        .url = co.url,
        .dataset = qo.path,
        .distribution = traffic_dist_name(dist),
        .rate = co.rate,
        .count = count,
        .concurrency = co.concurrency,
        .poll_interval_ms = co.poll_interval_ms,
        .timeout_s = co.timeout_s,
    };
    traffic_stats st;
    traffic_stats_init(&st);
    if (traffic_client_run(&co, &qs, &st, err, sizeof(err)) != 0) {
        log_error("run failed: %s", err);
    } else {
        log_info("run done sent=%ld completed=%ld failed=%ld timed_out=%ld rejected=%ld send_errors=%ld", st.sent,
                 st.completed, st.failed, st.timed_out, st.rejected, st.errors);
        if (config_get_bool(c, "json")) {
            json_t *j = traffic_stats_to_json(&st, &info);
            char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) : NULL;
            if (s) printf("%s\n", s);
            free(s);
            json_decref(j);
        } else {
            traffic_stats_print(&st, &info, stdout);
        }
        rc = 0;
        if (config_get_bool(c, "require-complete") && st.completed != st.sent) rc = 3;
    }
    if (results) fclose(results);
    traffic_stats_free(&st);
    traffic_questions_free(&qs);
    curl_global_cleanup();
    config_destroy(c);
    return rc;
}
