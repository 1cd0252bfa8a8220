/* test_prom.c -- Prometheus rendering: counters, gauges, labelled series, histograms, concurrency. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "prom.h"

static prom_counter *shared_counter;
static prom_histogram *shared_hist;

static void *worker(void *arg)
{
    for (int i = 0; i < 100000; i++) {
        prom_counter_inc(shared_counter);
        prom_histogram_observe(shared_hist, (i % 4) * 0.5);
    }
    return NULL;
}

int main(void)
{
    prom_registry *r = prom_registry_create();
    prom_counter *c = prom_counter_create(r, "qaflow_test_total", "Things\ncounted", NULL);
    prom_gauge *g = prom_gauge_create(r, "qaflow_test_inflight", "In flight", NULL);
    prom_counter *t1 = prom_counter_create(r, "qaflow_test_by_topic_total", "By topic", "topic=\"a\"");
    prom_gauge *between = prom_gauge_create(r, "qaflow_test_other", "Other", NULL);
    prom_counter *t2 = prom_counter_create(r, "qaflow_test_by_topic_total", "By topic", "topic=\"b\"");
    double bounds[] = { 0.1, 1, 10 };
    prom_histogram *h = prom_histogram_create(r, "qaflow_test_seconds", "Latency", NULL, bounds, 3);
    CHECK(c && g && t1 && t2 && h && between);
    CHECK(prom_counter_create(r, "bad name", "x", NULL) == NULL);
    CHECK(prom_counter_create(r, "9starts_with_digit", "x", NULL) == NULL);
    double unsorted[] = { 1, 0.5 };
    CHECK(prom_histogram_create(r, "qaflow_bad_hist", "x", NULL, unsorted, 2) == NULL);

    prom_counter_inc(c);
    prom_counter_add(c, 2.5);
    prom_counter_add(c, -1); /* ignored: counters never go down */
    CHECK(prom_counter_value(c) == 3.5);
    prom_gauge_set(g, 7);
    prom_gauge_add(g, -2);
    CHECK(prom_gauge_value(g) == 5);
    prom_counter_inc(t1);
    prom_counter_add(t2, 4);
    prom_histogram_observe(h, 0.05);
    prom_histogram_observe(h, 0.1);   /* le is inclusive */
    prom_histogram_observe(h, 5);
    prom_histogram_observe(h, 100);
    CHECK(prom_histogram_count(h) == 4);
    CHECK(prom_histogram_sum(h) == 105.15);

    char *text = prom_registry_render(r);
    CHECK(text != NULL);
    if (text) {
        CHECK(strstr(text, "# HELP qaflow_test_total Things\\ncounted\n") != NULL);
        CHECK(strstr(text, "# TYPE qaflow_test_total counter\nqaflow_test_total 3.5\n") != NULL);
        CHECK(strstr(text, "# TYPE qaflow_test_inflight gauge\nqaflow_test_inflight 5\n") != NULL);
        /* both labelled series under one header, adjacent */
        CHECK(strstr(text, "# TYPE qaflow_test_by_topic_total counter\n"
                           "qaflow_test_by_topic_total{topic=\"a\"} 1\n"
                           "qaflow_test_by_topic_total{topic=\"b\"} 4\n") != NULL);
        const char *first = strstr(text, "# HELP qaflow_test_by_topic_total");
        CHECK(first && !strstr(first + 1, "# HELP qaflow_test_by_topic_total"));
        CHECK(strstr(text, "qaflow_test_seconds_bucket{le=\"0.10000000000000001\"} 2\n") != NULL ||
              strstr(text, "qaflow_test_seconds_bucket{le=\"0.1\"} 2\n") != NULL);
        CHECK(strstr(text, "qaflow_test_seconds_bucket{le=\"1\"} 2\n") != NULL);
        CHECK(strstr(text, "qaflow_test_seconds_bucket{le=\"10\"} 3\n") != NULL);
        CHECK(strstr(text, "qaflow_test_seconds_bucket{le=\"+Inf\"} 4\n") != NULL);
        CHECK(strstr(text, "qaflow_test_seconds_count 4\n") != NULL);
        CHECK(strstr(text, "# TYPE qaflow_test_seconds histogram\n") != NULL);
        free(text);
    }

    /* concurrent updates lose nothing */
    shared_counter = prom_counter_create(r, "qaflow_test_concurrent_total", "c", NULL);
    shared_hist = prom_histogram_create(r, "qaflow_test_concurrent_seconds", "h", "x=\"1\"", bounds, 3);
    pthread_t th[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, worker, NULL);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    CHECK(prom_counter_value(shared_counter) == 400000);
    CHECK(prom_histogram_count(shared_hist) == 400000);
    CHECK(prom_histogram_sum(shared_hist) == 4 * 25000 * (0 + 0.5 + 1 + 1.5));
    text = prom_registry_render(r);
    CHECK(text && strstr(text, "qaflow_test_concurrent_seconds_bucket{x=\"1\",le=\"+Inf\"} 400000\n"));
    CHECK(text && strstr(text, "qaflow_test_concurrent_seconds_count{x=\"1\"} 400000\n"));
    free(text);
    prom_registry_destroy(r);
    return CHECK_DONE();
}
