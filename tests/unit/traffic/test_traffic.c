/* test_traffic.c -- unit tests of qaflow-traffic's pure modules: schedule, statistics, answer parsing, question loading. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "traffic_client.h"
#include "traffic_questions.h"
#include "traffic_sched.h"
#include "traffic_select.h"
#include "traffic_series.h"
#include "traffic_stats.h"

static void test_dist_parse(void) {
    traffic_dist d;
    CHECK(traffic_dist_parse("uniform", &d) == 0 && d == TRAFFIC_DIST_UNIFORM);
    CHECK(traffic_dist_parse("poisson", &d) == 0 && d == TRAFFIC_DIST_POISSON);
    CHECK(traffic_dist_parse("Poisson", &d) == -1);
    CHECK(traffic_dist_parse("", &d) == -1);
    CHECK(traffic_dist_parse(NULL, &d) == -1);
}

static void test_uniform_gaps(void) {
    traffic_sched s;
    traffic_sched_init(&s, TRAFFIC_DIST_UNIFORM, 4.0, 7);
    for (int i = 0; i < 10; i++) CHECK(traffic_sched_next_gap_us(&s) == 250000);
    traffic_sched_init(&s, TRAFFIC_DIST_UNIFORM, 0, 7);
    CHECK(traffic_sched_next_gap_us(&s) == 0);
}

/* Exponential gaps: the sample mean and the share of gaps above the mean match the theory
 * (mean 1/rate; P(gap > mean) = e^-1), within bounds far wider than the sampling error. */
static void test_poisson_gaps(void) {
    traffic_sched s;
    const double rate = 20.0, mean_us = 1e6 / rate;
    const int n = 200000;
    traffic_sched_init(&s, TRAFFIC_DIST_POISSON, rate, 42);
    double sum = 0;
    long above = 0, negative = 0;
    for (int i = 0; i < n; i++) {
        int64_t g = traffic_sched_next_gap_us(&s);
        if (g < 0) negative++;
        sum += (double)g;
        if ((double)g > mean_us) above++;
    }
    double mean = sum / n, share = (double)above / n;
    fprintf(stderr, "poisson: mean gap %.1f us (expect %.1f), share above mean %.4f (expect %.4f)\n", mean, mean_us,
            share, exp(-1.0));
    CHECK(negative == 0);
    CHECK(fabs(mean - mean_us) / mean_us < 0.02);
    CHECK(fabs(share - exp(-1.0)) < 0.01);
    /* Same seed, same sequence; another seed, another one. */
    traffic_sched a, b, c;
    traffic_sched_init(&a, TRAFFIC_DIST_POISSON, rate, 5);
    traffic_sched_init(&b, TRAFFIC_DIST_POISSON, rate, 5);
    traffic_sched_init(&c, TRAFFIC_DIST_POISSON, rate, 6);
    int same = 1, differ = 0;
    for (int i = 0; i < 100; i++) {
        int64_t x = traffic_sched_next_gap_us(&a), y = traffic_sched_next_gap_us(&b), z = traffic_sched_next_gap_us(&c);
        if (x != y) same = 0;
        if (x != z) differ = 1;
    }
    CHECK(same);
    CHECK(differ);
}

static void test_percentiles(void) {
    traffic_samples t = {0};
    CHECK(isnan(traffic_samples_percentile(&t, 50)));
    /* 1..100 in a scrambled order: nearest rank gives p50 = 50, p95 = 95, p99 = 99. */
    for (int i = 0; i < 100; i++) traffic_samples_add(&t, (double)((i * 37) % 100 + 1));
    CHECK(traffic_samples_percentile(&t, 50) == 50);
    CHECK(traffic_samples_percentile(&t, 95) == 95);
    CHECK(traffic_samples_percentile(&t, 99) == 99);
    CHECK(traffic_samples_percentile(&t, 100) == 100);
    CHECK(traffic_samples_percentile(&t, 0) == 1);
    CHECK(fabs(traffic_samples_mean(&t) - 50.5) < 1e-9);
    /* The samples themselves are left in insertion order. */
    CHECK(t.v[1] == 38);
    free(t.v);
}

static void test_stats_json(void) {
    traffic_stats s;
    traffic_stats_init(&s);
    s.sent = 5;
    s.accepted = 4;
    s.from_cache = 1;
    s.failed = 1;
    s.status_codes[202] = 4;
    s.status_codes[200] = 1;
    traffic_stats_add_completed(&s, 1, 0.9, 0.9, 0);
    traffic_stats_add_completed(&s, 2, 0.8, 0.6, 0);
    traffic_stats_add_completed(&s, 4, 0.7, NAN, 1);
    traffic_stats_add_completed(&s, 0, NAN, NAN, 0);
    traffic_stats_add_completed(&s, 99, 0.6, 0.5, 1);
    traffic_samples_add(&s.e2e_ms, 120.0);
    traffic_run_info info = {.url = "http://x", .dataset = "d.csv", .distribution = "uniform", .rate = 2,
                             .count = 5, .concurrency = 3, .poll_interval_ms = 100, .timeout_s = 9};
    json_t *j = traffic_stats_to_json(&s, &info);
    CHECK(j != NULL);
    if (j) {
        CHECK(json_integer_value(json_object_get(j, "completed")) == 5);
        CHECK(json_integer_value(json_object_get(j, "accepted_below_threshold")) == 2);
        json_t *att = json_object_get(j, "attempts_distribution");
        CHECK(json_integer_value(json_object_get(att, "1")) == 1);
        CHECK(json_integer_value(json_object_get(att, "2")) == 1);
        CHECK(json_integer_value(json_object_get(att, "4")) == 1);
        CHECK(json_integer_value(json_object_get(att, "8")) == 1); /* 99 lands in the last bucket */
        CHECK(json_integer_value(json_object_get(att, "unknown")) == 1);
        CHECK(fabs(json_real_value(json_object_get(j, "average_score")) - 0.75) < 1e-9);
        CHECK(fabs(json_real_value(json_object_get(j, "average_first_score")) - (0.9 + 0.6 + 0.5) / 3) < 1e-9);
        CHECK(json_integer_value(json_object_get(json_object_get(j, "post_status_codes"), "202")) == 4);
        CHECK(json_real_value(json_object_get(json_object_get(j, "latency_e2e_ms"), "p99")) == 120.0);
        CHECK(json_is_null(json_object_get(json_object_get(j, "latency_post_ms"), "p50")));
        json_decref(j);
    }
    /* The text summary mentions every counter. */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    traffic_stats_print(&s, &info, f);
    fclose(f);
    const char *want[] = {"sent", "accepted", "served at once", "completed", "failed", "timed out",
                          "attempts", "avg score", "latency e2e", "p99", "8+: 1"};
    for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
        if (!strstr(buf, want[i])) {
            fprintf(stderr, "FAIL: summary lacks \"%s\":\n%s", want[i], buf);
            check_failures++;
        }
    }
    free(buf);
    traffic_stats_free(&s);
}

static void test_answer_parse(void) {
    traffic_answer a;
    const char *nested = "{\"status\":\"completed\",\"source\":\"cache\",\"result\":{\"question_id\":\"q_ab\","
                         "\"bert_score\":0.81,\"processing_attempts\":3,\"first_score\":0.5,"
                         "\"accepted_below_threshold\":true}}";
    CHECK(traffic_answer_parse(nested, strlen(nested), &a) == 0);
    CHECK(strcmp(a.status, "completed") == 0);
    CHECK(strcmp(a.question_id, "q_ab") == 0);
    CHECK(strcmp(a.source, "cache") == 0);
    CHECK(a.attempts == 3 && a.below_threshold == 1);
    CHECK(fabs(a.bert_score - 0.81) < 1e-12 && fabs(a.first_score - 0.5) < 1e-12);
    CHECK_INT(a.n_attempt_scores, 0);
    /* the sync mode's calibration answer lists every attempt's score */
    const char *cal = "{\"status\":\"completed\",\"source\":\"sync\",\"question_id\":\"q_ef\",\"attempts\":["
                      "{\"retry_count\":0,\"bert_score\":0.25},{\"retry_count\":1,\"bert_score\":0.5},{\"retry_count\":2}]}";
    CHECK(traffic_answer_parse(cal, strlen(cal), &a) == 0);
    CHECK_STR(a.source, "sync");
    CHECK_INT(a.n_attempt_scores, 3);
    CHECK(a.attempt_scores[0] == 0.25 && a.attempt_scores[1] == 0.5 && isnan(a.attempt_scores[2]));
    const char *flat = "{\"status\":\"failed\",\"question_id\":\"q_cd\",\"failed_reason\":\"llm: 400\"}";
    CHECK(traffic_answer_parse(flat, strlen(flat), &a) == 0);
    CHECK(strcmp(a.status, "failed") == 0 && strcmp(a.question_id, "q_cd") == 0);
    CHECK(strcmp(a.reason, "llm: 400") == 0);
    CHECK(isnan(a.bert_score) && a.attempts == 0);
    const char *pending = "{\"status\":\"pending\",\"question_id\":\"q_ef\",\"message\":\"queued\"}";
    CHECK(traffic_answer_parse(pending, strlen(pending), &a) == 0 && strcmp(a.status, "pending") == 0);
    CHECK(traffic_answer_parse("{\"error\":\"bad\"}", 15, &a) == -1);
    CHECK(traffic_answer_parse("not json", 8, &a) == -1);
    CHECK(traffic_answer_parse("[1]", 3, &a) == -1);
    CHECK(traffic_answer_parse(NULL, 0, &a) == -1);
}

static void test_question_text(void) {
    char *s = traffic_question_text("Why?", 4, "", 0, NULL);
    CHECK(s && strcmp(s, "Why?") == 0);
    free(s);
    s = traffic_question_text("Why?", 4, "Context.", 8, "");
    CHECK(s && strcmp(s, "Why?\nContext.") == 0);
    free(s);
    s = traffic_question_text("Why?", 4, "Context.", 8, "run7");
    CHECK(s && strcmp(s, "[run7] Why?\nContext.") == 0);
    free(s);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

static void test_questions_load(void) {
    char path[] = "/tmp/qaflow-test-traffic-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return;
    close(fd);
    write_file(path, "\"1\",\"Q one\",\"\",\"A one\"\n"
                     "\"2\",\"Q two\",\"ctx two\",\"A \"\"two\"\"\\nsecond line\"\n"
                     "\"bad row\"\n"
                     "\"3\",\"Q three\",\"\",\"A three\"\n"
                     "\"4\",\"Q four\",\"\",\"A four\"\n");
    char err[256];
    traffic_questions qs;
    traffic_questions_opts o = {.path = path, .count = 0};
    CHECK(traffic_questions_load(&o, &qs, err, sizeof(err)) == 0);
    CHECK(qs.n == 4);
    CHECK(qs.skipped_malformed == 1);
    if (qs.n == 4) {
        CHECK(strcmp(qs.q[0].text, "Q one") == 0);
        CHECK(strcmp(qs.q[1].text, "Q two\nctx two") == 0);
        CHECK(strcmp(qs.q[1].answer, "A \"two\"\nsecond line") == 0);
        CHECK(qs.q[1].class_index == 2 && qs.q[3].line == 5);
    }
    traffic_questions_free(&qs);

    o = (traffic_questions_opts){.path = path, .skip = 1, .count = 2, .tag = "t"};
    CHECK(traffic_questions_load(&o, &qs, err, sizeof(err)) == 0);
    CHECK(qs.n == 2);
    if (qs.n == 2) {
        CHECK(strcmp(qs.q[0].text, "[t] Q two\nctx two") == 0);
        CHECK(strcmp(qs.q[1].text, "[t] Q three") == 0);
    }
    traffic_questions_free(&qs);

    /* A shuffled sample: count distinct records, every one from the file, same seed same sample. */
    char first[2][64] = {"", ""};
    for (int run = 0; run < 2; run++) {
        o = (traffic_questions_opts){.path = path, .count = 3, .shuffle = 1, .seed = 9};
        CHECK(traffic_questions_load(&o, &qs, err, sizeof(err)) == 0);
        CHECK(qs.n == 3);
        for (size_t i = 0; i < qs.n; i++) {
            CHECK(strncmp(qs.q[i].text, "Q ", 2) == 0);
            for (size_t j = 0; j < i; j++) CHECK(strcmp(qs.q[i].text, qs.q[j].text) != 0);
        }
        if (qs.n) snprintf(first[run], sizeof(first[run]), "%s|%s", qs.q[0].text, qs.q[qs.n - 1].text);
        traffic_questions_free(&qs);
    }
    CHECK(strcmp(first[0], first[1]) == 0);

    o = (traffic_questions_opts){.path = path, .skip = 10};
    CHECK(traffic_questions_load(&o, &qs, err, sizeof(err)) == -1);
    CHECK(strstr(err, "no usable question") != NULL);
    o = (traffic_questions_opts){.path = "/nonexistent/q.csv"};
    CHECK(traffic_questions_load(&o, &qs, err, sizeof(err)) == -1);
    unlink(path);
}

/* Reservoir sampling is uniform: over many seeds each record of the shipped sample is kept
 * about equally often (checked on the first and last thirds of the file). */
static void test_shuffle_uniform(const char *sample) {
    char err[256];
    long early = 0, late = 0, total_rows = 0;
    for (int seed = 1; seed <= 30; seed++) {
        traffic_questions qs;
        traffic_questions_opts o = {.path = sample, .count = 20, .shuffle = 1, .seed = (uint64_t)seed};
        if (traffic_questions_load(&o, &qs, err, sizeof(err)) != 0) {
            fprintf(stderr, "FAIL: %s\n", err);
            check_failures++;
            return;
        }
        if (total_rows == 0) {
            traffic_questions all;
            traffic_questions_opts oa = {.path = sample};
            if (traffic_questions_load(&oa, &all, err, sizeof(err)) == 0) total_rows = (long)all.n;
            traffic_questions_free(&all);
        }
        for (size_t i = 0; i < qs.n; i++) {
            if (qs.q[i].line <= total_rows / 3) early++;
            if (qs.q[i].line > total_rows - total_rows / 3) late++;
        }
        traffic_questions_free(&qs);
    }
    fprintf(stderr, "shuffle: %ld picks from the first third, %ld from the last third (600 picks)\n", early, late);
    /* Expected about 200 each; a biased reservoir (e.g. keeping the first records) fails. */
    CHECK(early > 140 && early < 260);
    CHECK(late > 140 && late < 260);
}

static void test_select(void) {
    traffic_select_kind k;
    char err[128];
    CHECK(traffic_select_parse("zipf", &k) == 0 && k == TRAFFIC_SELECT_ZIPF);
    CHECK(traffic_select_parse("sequential", &k) == 0 && k == TRAFFIC_SELECT_SEQUENTIAL);
    CHECK(traffic_select_parse("uniform", &k) == 0 && k == TRAFFIC_SELECT_UNIFORM);
    CHECK(traffic_select_parse("Zipf", &k) == -1);
    CHECK(traffic_select_parse(NULL, &k) == -1);
    enum { N = 100, COUNT = 100000 };
    static long order[COUNT], again[COUNT];
    /* sequential: the dataset in order, reused */
    CHECK(traffic_select_order(TRAFFIC_SELECT_SEQUENTIAL, 1, 7, 20, 1, order, err, sizeof err) == 0);
    CHECK_INT(order[0], 0);
    CHECK_INT(order[6], 6);
    CHECK_INT(order[7], 0);
    CHECK_INT(traffic_select_distinct(order, 20, 7), 7);
    /* zipf s=1 over 100: P(index i) = (1/(i+1)) / H_100; the draws follow within wide bounds */
    CHECK(traffic_select_order(TRAFFIC_SELECT_ZIPF, 1.0, N, COUNT, 3, order, err, sizeof err) == 0);
    double h = 0;
    for (int i = 1; i <= N; i++) h += 1.0 / i;
    long hist[N] = {0}, out_of_range = 0;
    for (long i = 0; i < COUNT; i++) {
        if (order[i] < 0 || order[i] >= N) out_of_range++;
        else hist[order[i]]++;
    }
    CHECK_INT(out_of_range, 0);
    for (int i = 0; i < 3; i++) {
        double expect = (double)COUNT / ((i + 1) * h);
        CHECK_MSG(fabs((double)hist[i] - expect) / expect < 0.05, "index %d: %ld draws, expected %.0f", i, hist[i],
                  expect);
    }
    CHECK(hist[0] > hist[1] && hist[1] > hist[2] && hist[2] > hist[50]);
    /* repeats: 200 draws over 100 questions leave many out */
    CHECK(traffic_select_distinct(order, 200, N) < 150);
    /* the same seed gives the same order */
    CHECK(traffic_select_order(TRAFFIC_SELECT_ZIPF, 1.0, N, COUNT, 3, again, err, sizeof err) == 0);
    CHECK(memcmp(order, again, sizeof order) == 0);
    /* s = 0 is uniform; the uniform draws cover everything */
    CHECK(traffic_select_order(TRAFFIC_SELECT_ZIPF, 0.0, N, COUNT, 3, order, err, sizeof err) == 0);
    memset(hist, 0, sizeof hist);
    for (long i = 0; i < COUNT; i++) hist[order[i]]++;
    CHECK(hist[0] > 800 && hist[0] < 1200 && hist[99] > 800 && hist[99] < 1200);
    CHECK(traffic_select_order(TRAFFIC_SELECT_UNIFORM, 1.0, N, COUNT, 4, order, err, sizeof err) == 0);
    CHECK_INT(traffic_select_distinct(order, COUNT, N), N);
    /* bad arguments */
    CHECK(traffic_select_order(TRAFFIC_SELECT_ZIPF, -1.0, N, 10, 3, order, err, sizeof err) == -1);
    CHECK(traffic_select_order(TRAFFIC_SELECT_ZIPF, 1.0, 0, 10, 3, order, err, sizeof err) == -1);
}

static void test_series(void) {
    traffic_series *s = traffic_series_create();
    CHECK(s != NULL);
    CHECK(traffic_series_add(s, 0.2, TRAFFIC_EV_SENT, NAN) == 0);
    CHECK(traffic_series_add(s, 0.9, TRAFFIC_EV_SENT, NAN) == 0);
    CHECK(traffic_series_add(s, 2.5, TRAFFIC_EV_COMPLETED, 120.0) == 0);
    CHECK(traffic_series_add(s, 2.7, TRAFFIC_EV_COMPLETED, 80.0) == 0);
    CHECK(traffic_series_add(s, 1.0, TRAFFIC_EV_N, NAN) == -1);
    char buf[1024] = {0};
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    CHECK(traffic_series_write_csv(s, f) == 0);
    fclose(f);
    CHECK(strstr(buf, "\n0,2,0,0,0,0,0,0,0,,,\n1,0,0,0,0,0,0,0,0,,,\n2,0,0,0,2,0,0,0,0,80.0,120.0,120.0\n") != NULL);
    traffic_series_destroy(s);
}

int main(int argc, char **argv) {
    test_select();
    test_series();
    test_dist_parse();
    test_uniform_gaps();
    test_poisson_gaps();
    test_percentiles();
    test_stats_json();
    test_answer_parse();
    test_question_text();
    test_questions_load();
    if (argc > 1) test_shuffle_uniform(argv[1]);
    else {
        fprintf(stderr, "FAIL: usage: test_traffic dataset/sample.csv\n");
        check_failures++;
    }
    return CHECK_DONE();
}
