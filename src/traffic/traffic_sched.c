/* traffic_sched.c -- arrival schedule of the traffic generator: uniform or Poisson gaps from a seeded RNG. */
#include "traffic_sched.h"

#include <math.h>
#include <string.h>

int traffic_dist_parse(const char *name, traffic_dist *out) {
    if (name && strcmp(name, "uniform") == 0) {
        *out = TRAFFIC_DIST_UNIFORM;
        return 0;
    }
    if (name && strcmp(name, "poisson") == 0) {
        *out = TRAFFIC_DIST_POISSON;
        return 0;
    }
    return -1;
}

const char *traffic_dist_name(traffic_dist d) {
    return d == TRAFFIC_DIST_POISSON ? "poisson" : "uniform";
}

void traffic_sched_init(traffic_sched *s, traffic_dist dist, double rate, uint64_t seed) {
    s->dist = dist;
    s->rate = rate;
    s->state = seed;
}

static uint64_t traffic_splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double traffic_sched_uniform(traffic_sched *s) {
    return (double)(traffic_splitmix64(&s->state) >> 11) * (1.0 / 9007199254740992.0);
}

int64_t traffic_sched_next_gap_us(traffic_sched *s) {
    if (s->rate <= 0) return 0;
    double mean_us = 1e6 / s->rate;
    if (s->dist == TRAFFIC_DIST_UNIFORM) return (int64_t)llround(mean_us);
    /* Inverse transform: -ln(1-U) * mean, with 1-U in (0, 1]. */
    double u = traffic_sched_uniform(s);
    return (int64_t)llround(-log1p(-u) * mean_us);
}
