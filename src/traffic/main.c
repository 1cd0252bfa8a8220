/* main.c -- qaflow-traffic: sends dataset questions to the storage service at a given rate, waits for them, prints a summary. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "service.h"
#include "timeutil.h"
#include "traffic_client.h"
#include "traffic_questions.h"
#include "traffic_sched.h"
#include "traffic_select.h"
#include "traffic_series.h"
#include "traffic_stats.h"

static const config_entry traffic_settings[] = {
    {"url", "QAFLOW_TRAFFIC_URL", "-u", CONFIG_STRING, "http://127.0.0.1:5001", 0, 0,
     "base URL of qaflow-storage (POST /query, GET /status/<id>)"},
    {"dataset", "QAFLOW_TRAFFIC_DATASET", "-d", CONFIG_STRING, "", 0, 0,
     "Yahoo! Answers CSV file (no header: class, title, content, best answer); '-' reads stdin; empty: "
     "dataset/questions_answers.csv when it exists, else dataset/sample.csv"},
    {"count", "QAFLOW_TRAFFIC_COUNT", "-n", CONFIG_INT, "50", 0, 1e9,
     "questions to send (0: every record after --skip); the dataset is reused in order if it has fewer"},
    {"select", "QAFLOW_TRAFFIC_SELECT", NULL, CONFIG_STRING, "sequential", 0, 0,
     "which question each send asks: sequential (the dataset in order), uniform or zipf (repeats: cache hits)"},
    {"zipf-s", "QAFLOW_TRAFFIC_ZIPF_S", NULL, CONFIG_DOUBLE, "1.0", 0, 10,
     "exponent s of --select zipf: the k-th question is asked with probability proportional to 1/k^s"},
    {"pool", "QAFLOW_TRAFFIC_POOL", NULL, CONFIG_INT, "0", 0, 1e9,
     "uniform/zipf: distinct questions to draw from (the first N records after --skip, or a --shuffle sample; "
     "0: every record)"},
    {"mode", "QAFLOW_TRAFFIC_MODE", NULL, CONFIG_STRING, "async", 0, 0,
     "async (POST /query then poll /status) or sync (POST /query?mode=sync: the 200 is the answer)"},
    {"attempts-all", "QAFLOW_TRAFFIC_ATTEMPTS_ALL", NULL, CONFIG_BOOL, "false", 0, 0,
     "with --mode sync: POST /query?mode=sync&attempts=all (every attempt made and scored, nothing stored; "
     "--results lists the scores): the threshold calibration"},
    {"late-ms", "QAFLOW_TRAFFIC_LATE_MS", NULL, CONFIG_INT, "10", 0, 3600000,
     "a send leaving more than this after its scheduled time counts as late"},
    {"progress", "QAFLOW_TRAFFIC_PROGRESS", NULL, CONFIG_STRING, "auto", 0, 0,
     "live progress line on stderr: auto (only when stderr is a terminal), always or never"},
    {"timeseries", "QAFLOW_TRAFFIC_TIMESERIES", NULL, CONFIG_STRING, NULL, 0, 0,
     "write a per-second CSV time series (sends, late sends, outcomes, latency p50/p95/max) to this file"},
    {"skip", "QAFLOW_TRAFFIC_SKIP", NULL, CONFIG_INT, "0", 0, 1e12, "records of the dataset to pass over first"},
    {"shuffle", "QAFLOW_TRAFFIC_SHUFFLE", NULL, CONFIG_BOOL, "false", 0, 0,
     "send a random sample of the dataset (seeded by --seed) instead of its first records"},
    {"rate", "QAFLOW_TRAFFIC_RATE", "-r", CONFIG_DOUBLE, "5", 0, 1e6,
     "questions per second (0: as fast as --concurrency allows)"},
    {"distribution", "QAFLOW_TRAFFIC_DISTRIBUTION", NULL, CONFIG_STRING, "uniform", 0, 0,
     "gaps between sends: uniform (fixed 1/rate) or poisson (exponential, mean 1/rate)"},
    {"seed", "QAFLOW_TRAFFIC_SEED", NULL, CONFIG_INT, "1", 0, 9.0e15, "seed of the Poisson gaps, of --shuffle and of --select uniform/zipf"},
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
        "p50/p95/p99 counted from each request's scheduled send time, late sends. Exit status: 0 done, 1 could not run, 2 bad settings, 3 --require-complete not met. "
        "See docs/dataset.md.",
        traffic_settings, sizeof(traffic_settings) / sizeof(*traffic_settings), argc, argv, "traffic", &rc);
    if (!c) return rc;
    rc = 1;
    traffic_dist dist;
    traffic_select_kind sel;
    traffic_progress_mode pmode;
    const char *mode = config_get_string(c, "mode");
    const char *bad = traffic_dist_parse(config_get_string(c, "distribution"), &dist) != 0
                          ? "--distribution must be uniform or poisson"
                      : traffic_select_parse(config_get_string(c, "select"), &sel) != 0
                          ? "--select must be sequential, uniform or zipf"
                      : traffic_progress_parse(config_get_string(c, "progress"), &pmode) != 0
                          ? "--progress must be auto, always or never"
                      : strcmp(mode, "async") != 0 && strcmp(mode, "sync") != 0 ? "--mode must be async or sync"
                                                                                  : NULL;
    if (bad) {
        fprintf(stderr, "qaflow-traffic: %s (see --help)\n", bad);
        config_destroy(c);
        return 2;
    }
    config_log(c);

    traffic_questions qs;
    const char *dataset = config_get_string(c, "dataset");
    long sends = (long)config_get_int(c, "count");
    traffic_questions_opts qo = {
        .path = dataset && *dataset ? dataset : traffic_questions_default_path(),
        .skip = (long)config_get_int(c, "skip"),
        .count = sel == TRAFFIC_SELECT_SEQUENTIAL ? sends : (long)config_get_int(c, "pool"),
        .shuffle = config_get_bool(c, "shuffle"),
        .seed = (uint64_t)config_get_int(c, "seed"),
        .tag = config_get_string(c, "tag"),
    };
    if (traffic_questions_load(&qo, &qs, err, sizeof(err)) != 0) {
        log_error("cannot read the dataset: %s", err);
        config_destroy(c);
        return 1;
    }
    long count = sends > 0 ? sends : (long)qs.n;
    long *order = malloc((size_t)count * sizeof(*order));
    if (!order || traffic_select_order(sel, config_get_double(c, "zipf-s"), qs.n, count,
                                       (uint64_t)config_get_int(c, "seed"), order, err, sizeof(err)) != 0) {
        log_error("cannot choose the questions: %s", order ? err : "out of memory");
        free(order);
        traffic_questions_free(&qs);
        config_destroy(c);
        return 1;
    }
    log_info("dataset loaded path=%s questions=%zu malformed_skipped=%ld sending=%ld select=%s%s", qo.path, qs.n,
             qs.skipped_malformed, count, traffic_select_name(sel), (size_t)count > qs.n ? " (reusing questions)" : "");

    FILE *results = NULL;
    const char *results_path = config_get_string(c, "results");
    if (results_path && *results_path) {
        results = fopen(results_path, "w");
        if (!results) {
            log_error("cannot write --results file path=%s", results_path);
            free(order);
            traffic_questions_free(&qs);
            config_destroy(c);
            return 1;
        }
    }

    const char *series_path = config_get_string(c, "timeseries");
    traffic_series *series = series_path && *series_path ? traffic_series_create() : NULL;
    traffic_progress progress;
    traffic_progress_init(&progress, stderr, pmode, count, config_get_double(c, "rate"), timeutil_mono_us());
    service_install_signals();
    curl_global_init(CURL_GLOBAL_DEFAULT);

    traffic_client_opts co = {
        .url = config_get_string(c, "url"),
        .count = count,
        .order = order,
        .sync = strcmp(mode, "sync") == 0,
        .all_attempts = config_get_bool(c, "attempts-all"),
        .late_ms = (long)config_get_int(c, "late-ms"),
        .series = series,
        .progress = &progress,
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
        .select = traffic_select_name(sel),
        .zipf_s = config_get_double(c, "zipf-s"),
        .distinct = traffic_select_distinct(order, count, qs.n),
        .mode = mode,
        .late_ms = co.late_ms,
        .rate = co.rate,
        .count = count,
        .concurrency = co.concurrency,
        .poll_interval_ms = co.poll_interval_ms,
        .timeout_s = co.timeout_s,
    };
    traffic_stats st;
    traffic_stats_init(&st);
    int run_rc = traffic_client_run(&co, &qs, &st, err, sizeof(err));
    traffic_progress_end(&progress, &st, timeutil_mono_us());
    if (run_rc == 0 && series && traffic_series_write_file(series, series_path, err, sizeof(err)) != 0) {
        log_error("%s", err);
        run_rc = -1;
    }
    if (run_rc != 0) {
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
    traffic_series_destroy(series);
    free(order);
    traffic_stats_free(&st);
    traffic_questions_free(&qs);
    curl_global_cleanup();
    config_destroy(c);
    return rc;
}
