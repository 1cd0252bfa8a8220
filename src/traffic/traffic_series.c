/* traffic_series.c -- per-second time series of a traffic run (sends, outcomes, latency), written as CSV. */
#include "traffic_series.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traffic_stats.h"

typedef struct traffic_second {
    long n[TRAFFIC_EV_N];
    traffic_samples lat_ms;
} traffic_second;

struct traffic_series {
    traffic_second *sec;
    size_t n, cap;
};

traffic_series *traffic_series_create(void) { return calloc(1, sizeof(traffic_series)); }

void traffic_series_destroy(traffic_series *s) {
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) free(s->sec[i].lat_ms.v);
    free(s->sec);
    free(s);
}

int traffic_series_add(traffic_series *s, double t_s, traffic_event ev, double latency_ms) {
    if (!s || (unsigned)ev >= TRAFFIC_EV_N) return -1;
    size_t k = t_s > 0 ? (size_t)t_s : 0;
    if (k >= s->cap) {
        size_t ncap = s->cap ? s->cap : 64;
        while (ncap <= k) ncap *= 2;
        traffic_second *ns = realloc(s->sec, ncap * sizeof(*ns));
        if (!ns) return -1;
        memset(ns + s->cap, 0, (ncap - s->cap) * sizeof(*ns));
        s->sec = ns;
        s->cap = ncap;
    }
    if (k >= s->n) s->n = k + 1;
    s->sec[k].n[ev]++;
    if (!isnan(latency_ms)) return traffic_samples_add(&s->sec[k].lat_ms, latency_ms);
    return 0;
}

static void traffic_series_ms(FILE *out, double v) {
    if (isnan(v)) fputs(",", out);
    else fprintf(out, ",%.1f", v);
}

int traffic_series_write_csv(const traffic_series *s, FILE *out) {
    fputs("second,sent,late,accepted,completed,failed,rejected,send_errors,timed_out,"
          "latency_p50_ms,latency_p95_ms,latency_max_ms\n", out);
    for (size_t i = 0; s && i < s->n; i++) {
        const traffic_second *c = &s->sec[i];
        fprintf(out, "%zu", i);
        for (int e = 0; e < TRAFFIC_EV_N; e++) fprintf(out, ",%ld", c->n[e]);
        traffic_series_ms(out, traffic_samples_percentile(&c->lat_ms, 50));
        traffic_series_ms(out, traffic_samples_percentile(&c->lat_ms, 95));
        traffic_series_ms(out, traffic_samples_percentile(&c->lat_ms, 100));
        fputc('\n', out);
    }
    return ferror(out) ? -1 : 0;
}

int traffic_series_write_file(const traffic_series *s, const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write --timeseries file %s", path);
        return -1;
    }
    int rc = traffic_series_write_csv(s, f);
    if (fclose(f) != 0) rc = -1;
    if (rc != 0) snprintf(err, errlen, "error writing --timeseries file %s", path);
    return rc;
}
