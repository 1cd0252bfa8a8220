/* traffic_select.c -- which question each send asks: sequential, uniform or Zipf(s) over the loaded questions. */
#include "traffic_select.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traffic_sched.h"

static const char *const traffic_select_names[] = {"sequential", "uniform", "zipf"};

int traffic_select_parse(const char *name, traffic_select_kind *out) {
    for (int i = 0; name && i < 3; i++) {
        if (strcmp(name, traffic_select_names[i]) == 0) {
            *out = (traffic_select_kind)i;
            return 0;
        }
    }
    return -1;
}

const char *traffic_select_name(traffic_select_kind k) {
    return (unsigned)k < 3 ? traffic_select_names[k] : "?";
}

/* Smallest i with cdf[i] > u (cdf increasing, cdf[n-1] = 1). */
static size_t traffic_select_search(const double *cdf, size_t n, double u) {
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cdf[mid] > u) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

int traffic_select_order(traffic_select_kind k, double s, size_t n, long count, uint64_t seed, long *order,
                         char *err, size_t errlen) {
    if (n == 0 || count < 0 || !(s >= 0) || !isfinite(s)) {
        snprintf(err, errlen, "selection needs questions and a Zipf exponent >= 0");
        return -1;
    }
    /* Its own stream, so the order does not depend on how many arrival gaps were drawn. */
    traffic_sched rng;
    traffic_sched_init(&rng, TRAFFIC_DIST_UNIFORM, 0, seed ^ 0x5EEDC0DEULL);
    if (k == TRAFFIC_SELECT_SEQUENTIAL) {
        for (long i = 0; i < count; i++) order[i] = (long)((size_t)i % n);
        return 0;
    }
    if (k == TRAFFIC_SELECT_UNIFORM) {
        for (long i = 0; i < count; i++) {
            size_t j = (size_t)(traffic_sched_uniform(&rng) * (double)n);
            order[i] = (long)(j < n ? j : n - 1);
        }
        return 0;
    }
    double *cdf = malloc(n * sizeof(*cdf));
    if (!cdf) {
        snprintf(err, errlen, "out of memory for the Zipf table of %zu questions", n);
        return -1;
    }
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += pow((double)(i + 1), -s);
        cdf[i] = sum;
    }
    for (size_t i = 0; i < n; i++) cdf[i] /= sum;
    cdf[n - 1] = 1.0;
    for (long i = 0; i < count; i++) order[i] = (long)traffic_select_search(cdf, n, traffic_sched_uniform(&rng));
    free(cdf);
    return 0;
}

long traffic_select_distinct(const long *order, long count, size_t n) {
    unsigned char *seen = calloc(n ? n : 1, 1);
    if (!seen) return -1;
    long d = 0;
    for (long i = 0; i < count; i++) {
        if (order[i] < 0 || (size_t)order[i] >= n || seen[order[i]]) continue;
        seen[order[i]] = 1;
        d++;
    }
    free(seen);
    return d;
}
